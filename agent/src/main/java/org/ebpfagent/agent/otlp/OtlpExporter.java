package org.ebpfagent.agent.otlp;

import java.net.URI;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.ebpfagent.agent.metrics.Metrics;
import org.ebpfagent.agent.metrics.MetricsSnapshot;
import org.ebpfagent.agent.metrics.Row;
import org.ebpfagent.agent.util.Log;

/**
 * Pushes the figures the poller publishes to an OTLP/HTTP collector ({@code otlp=URL}), after every
 * {@code otlpEvery}-th poll, from its own daemon thread ({@code ebpf-agent-otlp}).
 *
 * <p>The poller only hands the snapshot over: one slot, the newest snapshot wins, no lock, no
 * allocation. A snapshot that replaces one the push thread has not taken yet is a push dropped, and
 * counted ({@code ebpf.otlp.pushes_dropped}): nothing is lost but resolution, as every figure is
 * cumulative and the next push carries it. So a slow or hanging collector holds the push thread,
 * one request and one snapshot, never the poller nor memory beyond that; the request's timeouts
 * bound the hold. A failing collector gets one WARN line (the first failure), later failures
 * are counted ({@code ebpf.otlp.pushes_failed}) and logged at debug level. Nothing is pushed at
 * exit: the thread is a daemon, and the JVM never waits for a collector.
 */
public final class OtlpExporter implements Metrics.Listener {
    private static final Log LOG = Log.named("ebpf-agent");

    private final URI url;
    private final String serviceName;
    private final int every;
    private final OtlpFigures figures = new OtlpFigures();
    private final Row row;
    private final AtomicReference<MetricsSnapshot> pending = new AtomicReference<>();
    private final Thread thread;
    /** Polls seen; the poller's. */
    private long polls;
    private volatile boolean stopped;
    // The push thread's:
    private OtlpSender sender;
    private boolean warned;
    private boolean recoveryLogged;
    private boolean dropLogged;
    private long failedInARow;
    /** Drops counted when the last push ended; -1 before the first push ended. */
    private long droppedBefore = -1;

    private OtlpExporter(Metrics metrics, URI url, String serviceName, int every) {
        this.url = url;
        this.serviceName = serviceName;
        this.every = every;
        this.row = metrics.rows(OtlpFigures.OTLP).row();
        this.thread = new Thread(this::run, "ebpf-agent-otlp");
        thread.setDaemon(true);
    }

    /**
     * Starts pushing {@code metrics} to {@code url} after every {@code every}-th poll. Call before the
     * poller starts (it registers the exporter's own figures).
     *
     * @param serviceOption the otlpService option; null: the main class or jar
     */
    public static OtlpExporter start(Metrics metrics, URI url, String serviceOption, int every) {
        OtlpExporter e = new OtlpExporter(metrics, url, ServiceName.of(serviceOption), every);
        e.thread.start();
        metrics.listen(e);
        return e;
    }

    public String serviceName() {
        return serviceName;
    }

    /** On the poller's thread: the exporter's counts into its row. */
    @Override
    public void beforePublish() {
        figures.copyTo(row);
    }

    /** On the poller's thread: hands every {@code every}-th snapshot to the push thread. */
    @Override
    public void published(MetricsSnapshot snapshot) {
        if (stopped || polls++ % every != 0) {
            return;
        }
        if (pending.getAndSet(snapshot) != null) {
            figures.dropped.incrementAndGet();
        }
        LockSupport.unpark(thread);
    }

    private void run() {
        while (!stopped) {
            MetricsSnapshot s = pending.getAndSet(null);
            if (s == null) {
                LockSupport.park(this);
                continue;
            }
            try {
                push(s);
            } catch (Throwable t) { // a bug or a broken runtime: stop pushing, say it once, let the rest run
                stopped = true;
                LOG.warn("otlp: pushes stopped: {}; the recording and the application carry on", t.toString());
            }
        }
    }

    private void push(MetricsSnapshot s) {
        if (sender == null) {
            try {
                sender = new OtlpSender(url, serviceName);
            } catch (RuntimeException | LinkageError e) { // e.g. a runtime image without java.net.http
                stopped = true;
                LOG.warn("otlp: pushes not started: {} (the JVM needs the java.net.http module); the recording and "
                        + "the application carry on", e.toString());
                return;
            }
        }
        if (sender.busy()) { // the last request outlived its wait: one in flight at most
            figures.dropped.incrementAndGet();
            logFirstDrop();
            return;
        }
        long t0 = System.nanoTime();
        OtlpSender.Outcome o = sender.push(s);
        figures.pushNanos.addAndGet(System.nanoTime() - t0);
        // Drops while the first push loaded the SDK say nothing of the collector; later ones do.
        long dropped = figures.dropped.get();
        if (droppedBefore >= 0 && dropped > droppedBefore) {
            logFirstDrop();
        }
        droppedBefore = dropped;
        if (o.failure() == null) {
            figures.pushes.incrementAndGet();
            figures.points.addAndGet(o.points());
            if (failedInARow > 0 && !recoveryLogged) {
                recoveryLogged = true;
                LOG.info("otlp: {} accepts pushes again, after {} failed", url, failedInARow);
            }
            failedInARow = 0;
            return;
        }
        figures.failed.incrementAndGet();
        failedInARow++;
        if (!warned) {
            warned = true;
            LOG.warn("otlp: push to {} failed: {}; the recording and the application carry on, later pushes are "
                    + "tried at their interval and failures counted in ebpf.otlp.pushes_failed (this is said once)",
                    url, o.failure());
        } else {
            LOG.debug("otlp: push to {} failed: {}", url, o.failure());
        }
    }

    private void logFirstDrop() {
        if (!dropLogged) {
            dropLogged = true;
            LOG.info("otlp: the collector is slower than the push interval: pushes are skipped while one is in "
                    + "flight, counted in ebpf.otlp.pushes_dropped (the next carries their figures)");
        }
    }

    /** Stops pushing; a push in flight is abandoned. */
    public void stop() {
        stopped = true;
        LockSupport.unpark(thread);
    }
}

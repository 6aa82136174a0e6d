package org.ebpfagent.agent;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import jdk.jfr.FlightRecorder;
import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.metrics.Metrics;
import org.ebpfagent.agent.probe.EventClock;
import org.ebpfagent.agent.probe.PollStats;
import org.ebpfagent.agent.probe.Recorder;
import org.ebpfagent.events.AgentStatistics;
import org.ebpfagent.agent.threads.ThreadRegistry;
import org.ebpfagent.agent.util.Log;

/**
 * Polls every recorder at the configured interval on its own daemon thread, and once more whenever
 * JFR ends a chunk (including when a recording stops or is dumped at exit), so the last interval
 * before a dump is never missing. Writes one {@code ebpf.AgentStatistics} event per poll.
 */
final class Poller {
    private static final Log LOG = Log.named("ebpf-agent");

    private final List<Recorder> recorders;
    private final ThreadRegistry registry;
    private final long intervalNanos;
    private final PollStats stats = new PollStats();
    /** Null until JFR is up ({@link #startEvents}): without a recording no event class is loaded. */
    private AgentStatistics statistics;
    /** Whether the recorders were told that JFR is up; only the thread that starts polling sets it. */
    private boolean eventsStarted;
    private final int probesAttached;
    private long errors;
    private long loggedErrors;
    private final Runnable jfrHook = this::poll;
    private volatile boolean running = true;
    private final Metrics metrics;
    private boolean metricsFailed;
    private Thread thread;

    /** @param metrics the figures to publish after each poll; null: none */
    Poller(List<Recorder> recorders, ThreadRegistry registry, Duration interval, Metrics metrics) {
        this.recorders = List.copyOf(recorders);
        this.metrics = metrics;
        this.registry = registry;
        this.intervalNanos = interval.toNanos();
        int programs = 0;
        for (Recorder r : recorders) {
            programs += r.attachment().size();
        }
        this.probesAttached = programs;
    }

    void start() {
        startEventsIfJfrUp(); // with a recording from the JVM's start, JFR is up already
        thread = new Thread(this::loop, "ebpf-agent-poller");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The first time JFR is found up: the recorders make their events, then this its own, and JFR
     * gets the chunk-end hook. Outside {@link #poll}'s lock: JFR runs its hooks under a lock of its
     * own, and the hook takes this one.
     */
    private void startEventsIfJfrUp() {
        if (eventsStarted || !EventClock.jfrUp()) {
            return;
        }
        eventsStarted = true;
        for (Recorder r : recorders) {
            try {
                r.startEvents();
            } catch (EventClock.Unsupported | BpfException e) {
                LOG.warn("{} probe: no JFR events: {}; the metrics still work", r.name(), e.getMessage());
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("{} probe: no JFR events: {}; the metrics still work", r.name(), e.toString());
            }
        }
        try {
            AgentStatistics s = new AgentStatistics();
            s.begin();
            statistics = s;
            FlightRecorder.addPeriodicEvent(AgentStatistics.class, jfrHook);
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("no JFR end-of-chunk poll: {}", e.toString());
        }
    }

    /** Stops polling and closes the recorders; used when the agent is torn down before exit. */
    void stop() {
        running = false;
        if (eventsStarted) {
            FlightRecorder.removePeriodicEvent(jfrHook);
        }
        if (thread != null) {
            thread.interrupt();
        }
        synchronized (this) {
            recorders.forEach(Recorder::close);
        }
    }

    private void loop() {
        long next = System.nanoTime() + intervalNanos;
        while (running) {
            LockSupport.parkNanos(next - System.nanoTime());
            if (!running) {
                return;
            }
            next += intervalNanos;
            startEventsIfJfrUp();
            poll();
        }
    }

    /** One poll of every recorder; never throws (it runs on JFR's thread too). */
    synchronized void poll() {
        if (!running) {
            return;
        }
        long start = System.nanoTime();
        stats.reset();
        long failed = 0;
        for (Recorder r : recorders) {
            try {
                r.poll(stats);
            } catch (BpfException | RuntimeException e) {
                failed++;
                // The first failure of a run is worth a WARN; repeating it every second is not.
                if (loggedErrors++ == 0) {
                    LOG.warn("{} probe: poll failed: {}; will keep trying", r.name(), e.getMessage());
                } else {
                    LOG.debug("{} probe: poll failed: {}", r.name(), e.toString());
                }
            }
        }
        errors += failed;
        registry.afterPoll();
        long pollNanos = System.nanoTime() - start;
        AgentStatistics s = statistics;
        if (s != null) {
            write(s, failed, pollNanos);
        }
        if (metrics != null) {
            publish(pollNanos, failed);
        }
    }

    private void write(AgentStatistics s, long failed, long pollNanos) {
        s.probesAttached = probesAttached;
        s.threadsTracked = stats.threadsTracked;
        s.entriesRead = stats.entriesRead;
        s.readCalls = stats.readCalls;
        s.eventsWritten = stats.eventsWritten;
        s.errors = failed;
        s.threadsDropped = stats.threadsDropped;
        s.exitsDropped = stats.exitsDropped;
        s.reasonsDropped = stats.reasonsDropped;
        s.probeMisses = stats.probeMisses;
        s.switchInsUnseen = stats.switchInsUnseen;
        s.recordsLost = stats.recordsLost;
        s.connectionsDropped = stats.connectionsDropped;
        s.slowSyscallsLost = stats.slowSyscallsLost;
        s.syscallEntriesDropped = stats.syscallEntriesDropped;
        s.pollTime = pollNanos;
        s.end();
        s.commit();
        s.begin();
    }

    /** Adds the poll to the health figures and publishes the figures for the exporters. */
    private void publish(long pollNanos, long failed) {
        try {
            metrics.afterPoll(stats, pollNanos, failed, probesAttached);
        } catch (RuntimeException e) {
            if (!metricsFailed) {
                metricsFailed = true;
                LOG.warn("metrics not published: {}; the recording carries on", e.toString());
            }
        }
    }
}

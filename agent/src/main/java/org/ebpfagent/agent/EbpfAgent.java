package org.ebpfagent.agent;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.LibbpfLibrary;
import org.ebpfagent.agent.metrics.Metrics;
import org.ebpfagent.agent.otlp.OtlpExporter;
import org.ebpfagent.agent.probe.KernelTgid;
import org.ebpfagent.agent.probe.Recorder;
import org.ebpfagent.agent.probe.ProbeUnit;
import org.ebpfagent.agent.prometheus.PrometheusEndpoint;
import org.ebpfagent.agent.sched.SchedUnit;
import org.ebpfagent.agent.syscalls.SyscallUnit;
import org.ebpfagent.agent.tcp.TcpUnit;
import org.ebpfagent.agent.threads.ThreadRegistry;
import org.ebpfagent.agent.threads.ThreadResolver;
import org.ebpfagent.agent.util.Log;

/**
 * The running agent: loads the probes, sets up thread correlation and starts the poller, all on
 * the agent's own thread ({@code ebpf-agent-setup}) so that the application's start is not held
 * up. Every failure ends in one log line and an agent that does less, never in an exception
 * reaching the application.
 */
final class EbpfAgent implements Runnable {
    private static final Log LOG = Log.named("ebpf-agent");

    private final AgentOptions options;
    private final Instrumentation inst;
    /** The probes' attach lines, logged once the set-up is complete. */
    private final List<String> attachedLines = new ArrayList<>();
    /** The Prometheus endpoint, with {@code metrics=...}; it runs until the JVM exits. */
    private PrometheusEndpoint endpoint;
    /** The OTLP exporter, with {@code otlp=...}; it runs until the JVM exits. */
    private OtlpExporter otlp;

    private EbpfAgent(AgentOptions options, Instrumentation inst) {
        this.options = options;
        this.inst = inst;
    }

    /** Every probe the agent can load, in the order they are loaded and polled. */
    private static final List<ProbeUnit> PROBES = List.of(new SchedUnit(), new TcpUnit(), new SyscallUnit());

    /** The JFR events the agent writes (see {@link #start}): its own, and those of the probes it loads. */
    private static List<String> eventClasses(AgentOptions options) {
        List<String> classes = new ArrayList<>(List.of("org.ebpfagent.events.AgentStatistics"));
        for (ProbeUnit unit : PROBES) {
            if (options.probes().contains(unit.name())) {
                classes.addAll(unit.eventClasses());
            }
        }
        return classes;
    }

    /**
     * Called from premain on the application's main thread: starts the setup thread and returns.
     *
     * <p>If a recording starts with the JVM, the event classes are then initialized here, which
     * registers them with JFR: premain runs before JFR starts that recording, so their types are in
     * the recording's first metadata. Registered later, by the setup thread, they make JFR write
     * the whole metadata a second time, enough calls for the JIT to compile its writer: ~300 ms of
     * compiler CPU (docs/performance.md, "Start-up"). The first event class sets up JFR's Java
     * side, which JFR's start on this thread would do next anyway. Without such a recording the
     * classes wait for the setup thread, so that the application's main thread is not held up.
     */
    static void start(AgentOptions options, Instrumentation inst) {
        Thread setup = new Thread(new EbpfAgent(options, inst), "ebpf-agent-setup");
        setup.setDaemon(true);
        setup.start();
        if (StartupRecording.requested()) {
            ClassLoader loader = EbpfAgent.class.getClassLoader();
            for (String event : eventClasses(options)) {
                try {
                    Class.forName(event, true, loader);
                } catch (ClassNotFoundException | LinkageError e) {
                    // JFR absent from this runtime: the setup thread says so when it needs the events
                }
            }
        }
    }

    /** The setup thread. */
    @Override
    public void run() {
        try {
            SetupTimes times = new SetupTimes(LOG.isDebugEnabled());
            LibbpfLibrary.use(options.libbpf());
            ThreadRegistry registry = new ThreadRegistry();
            ThreadResolver resolver = ThreadResolver.create(registry, inst);
            Metrics metrics = startMetrics();
            times.step("metrics endpoint");
            List<Recorder> recorders = loadProbes(registry, resolver, metrics, times);
            if (recorders.isEmpty()) {
                stopMetrics();
                return;
            }
            // After the attach: the kernel sees threads from then on, and the registry is first
            // needed by the first poll. The first scan binds to the JVM's thread structures.
            int threads = resolver.scan();
            times.step("thread registry");
            new Poller(recorders, registry, options.interval(), metrics).start();
            times.step("poller");
            watchThreadStarts(resolver);
            times.step("thread starts");
            // Said once threads are named as they start, so that an application started on this
            // line has every thread named.
            for (String attached : attachedLines) {
                LOG.info("{}", attached);
            }
            LOG.debug("set-up: {}; {} threads resolved by {}", times, threads, resolver.method());
        } catch (Throwable t) {
            LOG.warn("agent disabled: {}", t.toString());
        }
    }

    /**
     * From when the JVM has finished starting (JVMTI answers only then, and premain is part of
     * its start), every Java thread that starts registers itself; a scan right after finds those
     * that started before. Until then threads are found by the poller's scans, and one that starts
     * and ends between two polls during the JVM's start-up has no java.lang.Thread.
     */
    private static void watchThreadStarts(ThreadResolver resolver) {
        try {
            resolver.watchStarts();
            resolver.scan();
            LOG.debug("thread starts watched");
        } catch (BpfException e) {
            LOG.info("threads that start and end between two polls will have no java.lang.Thread: {}",
                    e.getMessage());
        }
    }

    /**
     * With {@code metrics=...} or {@code otlp=...}: the figures the recorders add to, served by the
     * Prometheus endpoint (which listens from now on) and pushed by the OTLP exporter. Without
     * either, or if neither could start: null, and one line saying why.
     */
    private Metrics startMetrics() {
        if (options.metrics() == null && options.otlp() == null) {
            return null;
        }
        Metrics metrics = new Metrics(options.metricsGroups());
        boolean served = options.metrics() != null && startEndpoint(metrics);
        boolean pushed = options.otlp() != null && startOtlp(metrics);
        return served || pushed ? metrics : null;
    }

    private boolean startEndpoint(Metrics metrics) {
        AgentOptions.Endpoint where = options.metrics();
        try {
            endpoint = PrometheusEndpoint.start(metrics, where.host(), where.port());
            LOG.info("metrics: Prometheus endpoint on {} ({})", endpoint.url(), endpoint.scope());
            return true;
        } catch (PrometheusEndpoint.StartFailed e) {
            LOG.warn("metrics endpoint not started: {}; the application and its recording carry on without it",
                    e.getMessage());
        } catch (LinkageError e) { // a runtime image without the jdk.httpserver module
            LOG.warn("metrics endpoint not started: {} (the JVM needs the jdk.httpserver module); the application "
                    + "and its recording carry on without it", e.toString());
        }
        return false;
    }

    /** The exporter's thread starts now; the SDK is loaded at its first push, after the first poll. */
    private boolean startOtlp(Metrics metrics) {
        try {
            otlp = OtlpExporter.start(metrics, options.otlp(), options.otlpService(), options.otlpEvery());
        } catch (RuntimeException | Error e) {
            LOG.warn("otlp: pushes not started: {}; the application and its recording carry on without them",
                    e.toString());
            return false;
        }
        LOG.info("metrics: OTLP pushes to {} after every {} poll(s), every {} ms (service.name={})", options.otlp(),
                options.otlpEvery(), options.interval().toMillis() * options.otlpEvery(), otlp.serviceName());
        return true;
    }

    private void stopMetrics() {
        if (endpoint != null) {
            endpoint.close();
            endpoint = null;
        }
        if (otlp != null) {
            otlp.stop();
            otlp = null;
        }
    }

    private List<Recorder> loadProbes(ThreadRegistry registry, ThreadResolver resolver, Metrics metrics,
                                      SetupTimes times) {
        List<Recorder> recorders = new ArrayList<>();
        int kernelTgid;
        try {
            kernelTgid = KernelTgid.discover();
            times.step("kernel tgid");
        } catch (BpfException e) {
            LOG.warn("probes not loaded: {}; the application runs without them", e.getMessage());
            return recorders;
        }
        ProbeUnit.Context context = new ProbeUnit.Context(kernelTgid, options.maxThreads(), options.attach(),
                options.slowSyscall().toNanos(), registry, resolver, metrics);
        for (ProbeUnit unit : PROBES) {
            if (!options.probes().contains(unit.name())) {
                continue;
            }
            try {
                Recorder recorder = unit.open(context);
                long attachedAfter = JvmStart.millisAgo(recorder.attachment().nanos());
                times.step(unit.name() + " probe");
                recorders.add(recorder);
                attachedLines.add(unit.name() + " probe attached (" + recorder.attachment().size() + " programs, "
                        + recorder.attachment().type() + ") to pid " + ProcessHandle.current().pid() + " (kernel tgid "
                        + kernelTgid + "), polling every " + options.interval().toMillis() + " ms, "
                        + attachedAfter + " ms after the JVM started");
            } catch (BpfException e) {
                LOG.warn("{} probe not loaded: {}; the application runs without it", unit.name(), e.getMessage());
            }
        }
        return recorders;
    }
}

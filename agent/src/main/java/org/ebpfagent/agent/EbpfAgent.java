package org.ebpfagent.agent;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.LibbpfLibrary;
import org.ebpfagent.agent.probe.KernelTgid;
import org.ebpfagent.agent.probe.Recorder;
import org.ebpfagent.agent.sched.SchedProbe;
import org.ebpfagent.agent.sched.SchedRecorder;
import org.ebpfagent.agent.threads.ThreadRegistry;
import org.ebpfagent.agent.threads.ThreadResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running agent: sets up thread correlation, loads the probes and starts the poller, all on
 * the agent's own thread so that the application's start is not held up. Every failure ends in
 * one log line and an agent that does less, never in an exception reaching the application.
 */
final class EbpfAgent {
    private static final Logger LOG = LoggerFactory.getLogger("ebpf-agent");

    private EbpfAgent() {}

    /** Called from premain on the application's main thread: starts the setup thread and returns. */
    static void start(AgentOptions options, Instrumentation inst) {
        Thread setup = new Thread(() -> setUp(options, inst), "ebpf-agent-setup");
        setup.setDaemon(true);
        setup.start();
    }

    private static void setUp(AgentOptions options, Instrumentation inst) {
        try {
            LibbpfLibrary.use(options.libbpf());
            long t0 = System.nanoTime();
            ThreadRegistry registry = new ThreadRegistry();
            ThreadResolver resolver = ThreadResolver.create(registry, inst);
            int threads = resolver.scan();
            LOG.debug("thread registry: {} threads resolved by {} in {} us", threads, resolver.method(),
                    (System.nanoTime() - t0) / 1000);
            List<Recorder> recorders = loadProbes(options, registry, resolver);
            if (recorders.isEmpty()) {
                return;
            }
            new Poller(recorders, options.interval()).start();
        } catch (Throwable t) {
            LOG.warn("agent disabled: {}", t.toString());
        }
    }

    private static List<Recorder> loadProbes(AgentOptions options, ThreadRegistry registry,
                                             ThreadResolver resolver) {
        List<Recorder> recorders = new ArrayList<>();
        int kernelTgid;
        try {
            kernelTgid = KernelTgid.discover();
        } catch (BpfException e) {
            LOG.warn("probes not loaded: {}; the application runs without them", e.getMessage());
            return recorders;
        }
        if (options.probes().contains("sched")) {
            try {
                SchedProbe probe = SchedProbe.open(kernelTgid, options.maxThreads(), options.attach());
                long attachedAfter = JvmStart.millisAgo();
                recorders.add(new SchedRecorder(probe, registry, resolver));
                LOG.info("sched probe attached ({} programs, {}) to pid {} (kernel tgid {}), polling every {} ms, "
                        + "{} ms after the JVM started", probe.attachedPrograms(), probe.attachType(),
                        ProcessHandle.current().pid(), kernelTgid, options.interval().toMillis(), attachedAfter);
            } catch (BpfException e) {
                LOG.warn("sched probe not loaded: {}; the application runs without it", e.getMessage());
            }
        }
        return recorders;
    }
}

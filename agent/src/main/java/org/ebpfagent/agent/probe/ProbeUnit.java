package org.ebpfagent.agent.probe;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.threads.ThreadRegistry;
import org.ebpfagent.agent.threads.ThreadResolver;

/**
 * One probe of the agent, as the agent's set-up sees it: a name for the {@code probes} option and
 * a way to load, attach and start recording. Each probe package has one; the agent lists them and
 * knows nothing else of any probe.
 */
public interface ProbeUnit {

    /**
     * What the shared parts of the agent give every probe.
     *
     * @param slowSyscallNanos the syscall probe's threshold for a slow call; 0: none
     * @param metrics          where the recorder adds up what it reports, for exporters; null: metrics are off
     */
    record Context(int kernelTgid, int maxThreads, String attach, long slowSyscallNanos, ThreadRegistry registry,
                   ThreadResolver resolver, org.ebpfagent.agent.metrics.Metrics metrics) {}

    /** The probe's name in the {@code probes} option, e.g. {@code sched}. */
    String name();

    /**
     * The JFR event classes the probe writes, by name: registered with JFR at premain when a
     * recording starts with the JVM, and only for the probes the options load (registering a class
     * costs JFR's instrumentation and the JIT's work on it).
     */
    java.util.List<String> eventClasses();

    /** Loads and attaches the probe; the returned recorder owns it. Nothing stays loaded on failure. */
    Recorder open(Context context) throws BpfException;
}

package org.ebpfagent.agent.sched;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.probe.ProbeUnit;
import org.ebpfagent.agent.probe.Recorder;

/** The scheduler probe as the agent's set-up loads it ({@code probes=sched}). */
public final class SchedUnit implements ProbeUnit {
    @Override
    public String name() {
        return "sched";
    }

    @Override
    public java.util.List<String> eventClasses() {
        return java.util.List.of("org.ebpfagent.events.ThreadScheduling", "org.ebpfagent.events.ThreadOffCpu");
    }

    @Override
    public Recorder open(Context c) throws BpfException {
        SchedProbe probe = SchedProbe.open(c.kernelTgid(), c.maxThreads(), c.attach());
        try {
            return new SchedRecorder(probe, c.registry(), c.resolver(), c.metrics());
        } catch (BpfException | RuntimeException e) {
            probe.close();
            throw e;
        }
    }
}

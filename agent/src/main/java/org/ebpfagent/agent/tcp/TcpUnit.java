package org.ebpfagent.agent.tcp;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.probe.ProbeUnit;
import org.ebpfagent.agent.probe.Recorder;

/** The TCP probe as the agent's set-up loads it ({@code probes=sched+tcp}). */
public final class TcpUnit implements ProbeUnit {
    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public java.util.List<String> eventClasses() {
        return java.util.List.of("org.ebpfagent.events.TcpConnect", "org.ebpfagent.events.TcpConnection", "org.ebpfagent.events.ThreadTcp");
    }

    @Override
    public Recorder open(Context c) throws BpfException {
        TcpProbe probe = TcpProbe.open(c.kernelTgid(), c.attach());
        try {
            return new TcpRecorder(probe, c.registry(), c.metrics());
        } catch (BpfException | RuntimeException e) {
            probe.close();
            throw e;
        }
    }
}

package org.ebpfagent.agent.syscalls;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.probe.ProbeUnit;
import org.ebpfagent.agent.probe.Recorder;

/** The syscall probe as the agent's set-up loads it ({@code probes=sched+syscalls}). */
public final class SyscallUnit implements ProbeUnit {
    @Override
    public String name() {
        return "syscalls";
    }

    @Override
    public java.util.List<String> eventClasses() {
        return java.util.List.of("org.ebpfagent.events.ThreadSyscalls", "org.ebpfagent.events.ThreadSyscallErrors", "org.ebpfagent.events.SlowSyscall");
    }

    @Override
    public Recorder open(Context c) throws BpfException {
        SyscallProbe probe = SyscallProbe.open(c.kernelTgid(), c.maxThreads(), c.slowSyscallNanos(), c.attach());
        try {
            return new SyscallRecorder(probe, c.registry(), c.metrics());
        } catch (BpfException | RuntimeException e) {
            probe.close();
            throw e;
        }
    }
}

package org.ebpfagent.agent.probe;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfObject;

/**
 * This JVM's process id in the root PID namespace, which is what the kernel's tracepoints see.
 *
 * <p>{@link ProcessHandle#pid()} answers in the JVM's own PID namespace; inside a container the two
 * differ and nothing inside the container maps one to the other. {@code whoami.bpf.o} runs once in
 * this thread through BPF_PROG_TEST_RUN and returns the tgid the kernel knows; it is never attached.
 */
public final class KernelTgid {
    private KernelTgid() {}

    public static int discover() throws BpfException {
        try (BpfObject whoami = BpfResources.open("whoami")) {
            whoami.load();
            int tgid = whoami.testRun("whoami");
            if (tgid <= 0) {
                throw new BpfException("test run", "whoami", org.ebpfagent.agent.ffm.Errno.ESRCH,
                        "returned tgid " + tgid);
            }
            return tgid;
        }
    }
}

package org.ebpfagent.agent.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfObject;
import org.ebpfagent.agent.ffm.Errno;

/**
 * This JVM's process id in the root PID namespace, which is what the kernel's tracepoints see.
 *
 * <p>{@link ProcessHandle#pid()} answers in the JVM's own PID namespace. In the root namespace
 * (its inode is the kernel's constant {@code PROC_PID_INIT_INO}) that is the kernel's tgid. Inside
 * a container the two differ and nothing inside the container maps one to the other: there
 * {@code whoami.bpf.o} runs once in this thread through BPF_PROG_TEST_RUN and returns the tgid the
 * kernel knows; it is never attached. Loading and running it costs a BPF program load, so the
 * common case skips it.
 */
public final class KernelTgid {
    /** readlink of /proc/self/ns/pid in the root PID namespace (PROC_PID_INIT_INO, 0xEFFFFFFC). */
    private static final String ROOT_PID_NAMESPACE = "pid:[4026531836]";

    private KernelTgid() {}

    public static int discover() throws BpfException {
        if (inRootPidNamespace()) {
            try {
                // The pid as /proc/self names it: cheaper, while the agent starts, than ProcessHandle.
                return Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/self")).toString());
            } catch (IOException | RuntimeException e) {
                return (int) ProcessHandle.current().pid();
            }
        }
        return fromKernel();
    }

    /** Asks the kernel with the whoami program, whatever the namespace (tests compare both ways). */
    public static int fromKernel() throws BpfException {
        try (BpfObject whoami = BpfResources.open("whoami")) {
            whoami.load();
            int tgid = whoami.testRun("whoami");
            if (tgid <= 0) {
                throw new BpfException("test run", "whoami", Errno.ESRCH, "returned tgid " + tgid);
            }
            return tgid;
        }
    }

    static boolean inRootPidNamespace() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString().equals(ROOT_PID_NAMESPACE);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}

package org.ebpfagent.agent.ffm;

/**
 * A failed libbpf step, phrased as {@code step target: ERRNO (hint)}, for example
 * {@code attach sched_switch: EPERM (needs CAP_BPF and CAP_PERFMON, or root)}.
 */
public final class BpfException extends Exception {
    private final String step;
    private final String target;
    private final int errno;

    public BpfException(String step, String target, int errno, String hint) {
        super(step + " " + target + ": " + Errno.name(errno) + (hint.isEmpty() ? "" : " (" + hint + ")"));
        this.step = step;
        this.target = target;
        this.errno = Math.abs(errno);
    }

    /** Builds the exception with the hint that fits the step and errno. */
    public static BpfException of(String step, String target, int errno) {
        return new BpfException(step, target, errno, hint(step, Math.abs(errno)));
    }

    public String step() {
        return step;
    }

    public String target() {
        return target;
    }

    /** The positive errno value. */
    public int errno() {
        return errno;
    }

    static String hint(String step, int errno) {
        return switch (errno) {
            case Errno.EPERM, Errno.EACCES -> step.equals("load") && errno == Errno.EACCES
                    ? "the verifier rejected a program; the libbpf log above has its reason"
                    : "needs CAP_BPF and CAP_PERFMON, or root";
            case Errno.ENOENT -> step.equals("open") || step.equals("load")
                    ? "kernel BTF missing? needs /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF=y)"
                    : "tracepoint or object not found in this kernel";
            // libbpf's answer when it finds no usable kernel BTF to relocate the programs against
            case Errno.ESRCH -> step.equals("open") || step.equals("load")
                    ? "no kernel BTF: needs /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF=y, Linux >= 5.8)"
                    : "";
            case Errno.EINVAL -> step.equals("load")
                    ? "program type or helper not supported by this kernel, or rejected by the verifier"
                    : "invalid argument for this kernel";
            case Errno.ENOTSUPP, Errno.EOPNOTSUPP, Errno.ENOSYS -> "not supported by this kernel (needs Linux >= 5.8 with BTF)";
            case Errno.ENOMEM -> "out of memory or locked-memory limit (RLIMIT_MEMLOCK) too low";
            case Errno.E2BIG -> "map or program too large for this kernel";
            default -> "";
        };
    }
}

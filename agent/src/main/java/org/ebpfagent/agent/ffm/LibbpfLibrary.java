package org.ebpfagent.agent.ffm;

/** Which libbpf shared library the agent binds to; must be chosen before the first BPF call. */
public final class LibbpfLibrary {
    private LibbpfLibrary() {}

    /** A library name resolved by the dynamic loader ({@code libbpf.so.1}) or a file path. */
    public static void use(String nameOrPath) {
        Libbpf.use(nameOrPath);
    }
}

package org.ebpfagent.agent.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** The Linux calls the agent needs besides libbpf. */
public final class Linux {
    private static final MethodHandle GETTID;

    static {
        Linker linker = Linker.nativeLinker();
        GETTID = linker.downcallHandle(linker.defaultLookup().find("gettid").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT));
    }

    private Linux() {}

    /** The calling thread's Linux thread id, as its PID namespace sees it. */
    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }
}

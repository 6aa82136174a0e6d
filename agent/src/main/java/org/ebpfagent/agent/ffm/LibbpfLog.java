package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import org.ebpfagent.agent.util.Log;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Routes libbpf's own messages into the agent's logger. libbpf hands its print callback a printf
 * format and a {@code va_list}; the callback formats them with libc's {@code vsnprintf}.
 *
 * <p>Each message crosses into Java through an upcall, and loading the sched probe makes about
 * 650 of them (libbpf's debug lines on CO-RE relocations), all dropped unless the agent logs at
 * debug: with the upcall stub itself and the JIT work they bring, ~100 ms of CPU at start-up for
 * nothing when all goes well. So libbpf stays silent (a NULL print function) until a step fails,
 * unless the agent's log is at debug or trace; a failed step is then repeated with the messages
 * routed here ({@link BpfObject}), to quote libbpf's reason.
 *
 * <p>libbpf's warnings go to DEBUG, not WARN: a failure already produces one WARN line from the
 * agent, which quotes the warning that names the cause: the verifier's verdict when a program was
 * rejected, else the first warning of the failed step (libbpf names the cause first and then
 * reports each layer that gave up, ending with "failed to load object").
 */
final class LibbpfLog {
    private static final Log LOG = Log.named("ebpf-agent.libbpf");
    private static final int LIBBPF_WARN = 0;
    private static final int LIBBPF_INFO = 1;
    private static final int MAX_MESSAGE = 64 * 1024; // verifier logs arrive as one message

    private static CFunction vsnprintf; // (buf, size, format, va_list) -> int
    private static final String LOG_END = "-- END PROG LOAD LOG --";
    private static volatile String firstWarning = "";
    private static volatile String verifierVerdict = "";
    private static boolean routed;

    private LibbpfLog() {}

    /** Called once libbpf is bound: routes its messages at debug and trace, else silences it. */
    static void install(Libbpf libbpf) {
        if (!LOG.isDebugEnabled() || !route(libbpf)) {
            libbpf.setPrint.call(0);
        }
    }

    /**
     * Routes libbpf's messages here from now on. Returns false if they already were, or cannot
     * be: repeating a failed step then teaches nothing more.
     */
    static synchronized boolean route(Libbpf libbpf) {
        if (routed) {
            return false;
        }
        routed = true;
        Linker linker = Linker.nativeLinker();
        try {
            vsnprintf = CFunction.find(linker.defaultLookup(), "vsnprintf");
            MethodHandle target = MethodHandles.lookup().findStatic(LibbpfLog.class, "print",
                    MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
            // The stub lives as long as the JVM: libbpf keeps the pointer for the process lifetime.
            MemorySegment stub = linker.upcallStub(target,
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Arena.global());
            libbpf.setPrint.call(stub.address());
            return true;
        } catch (Throwable t) {
            LOG.debug("libbpf's messages are lost: {}", t.toString());
            return false;
        }
    }

    /** The libbpf warning that names why the current step failed, or "". */
    static String cause() {
        return verifierVerdict.isEmpty() ? firstWarning : verifierVerdict;
    }

    /** Forgets earlier warnings: called when a step starts. */
    static void clearWarnings() {
        firstWarning = "";
        verifierVerdict = "";
    }

    private static void noteWarning(String message) {
        int end = message.indexOf(LOG_END);
        if (end >= 0) { // a verifier log: its last line before the end marker is the verdict
            String[] lines = message.substring(0, end).strip().split("\n");
            verifierVerdict = "verifier: " + lines[lines.length - 1].strip();
        } else if (firstWarning.isEmpty() && !message.contains("RLIMIT_MEMLOCK")) {
            // libbpf tries to raise RLIMIT_MEMLOCK first and warns when it may not; since Linux
            // 5.11 BPF memory is charged to the cgroup instead, so that warning is never the cause.
            String text = message.startsWith("libbpf: ") ? message.substring("libbpf: ".length()) : message;
            int nl = text.indexOf('\n');
            firstWarning = (nl < 0 ? text : text.substring(0, nl)).strip();
        }
    }

    /** Upcall target: must never throw, an exception escaping an upcall would crash the JVM. */
    private static int print(int level, MemorySegment format, MemorySegment args) {
        try {
            if (level > LIBBPF_INFO && !LOG.isTraceEnabled()) {
                return 0;
            }
            String message;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(MAX_MESSAGE);
                int n = (int) vsnprintf.call(buf.address(), MAX_MESSAGE, format.address(), args.address());
                message = buf.getString(0).stripTrailing() + (n >= MAX_MESSAGE ? " [truncated]" : "");
            }
            if (level == LIBBPF_WARN) {
                noteWarning(message);
                LOG.debug("{}", message);
            } else if (level == LIBBPF_INFO) {
                LOG.debug("{}", message);
            } else {
                LOG.trace("{}", message);
            }
        } catch (Throwable ignored) {
            // Losing one log line is better than taking the host down.
        }
        return 0;
    }
}

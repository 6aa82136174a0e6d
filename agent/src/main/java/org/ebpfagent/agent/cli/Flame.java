package org.ebpfagent.agent.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import one.convert.Arguments;
import one.convert.CallStack;
import one.convert.FlameGraph;
import one.convert.Frame;

/**
 * Where the threads' time went, by kernel state, as a flame graph: thread, then on-CPU,
 * run-queue wait or off-CPU, then (off-CPU) the reason (syscall and wait kind); or, of kind
 * {@link #SYSCALLS}, thread then {@code syscall:NAME}, weighted by the time spent in each syscall
 * from entry to exit (ebpf.ThreadSyscalls totalTime). Frame widths are microseconds. Rendered by the async-profiler converters' {@link FlameGraph}, alone or against a
 * base recording, or written as collapsed stacks ("a;b;c 123" lines) that any flame graph tool reads.
 */
final class Flame {
    static final String ON_CPU = "on-CPU";
    static final String RUN_QUEUE = "run-queue wait";
    static final String OFF_CPU = "off-CPU";
    /** The --kind values: time by kernel state (the default), or time in syscalls. */
    static final String STATES = "states";
    static final String SYSCALLS = "syscalls";
    static final String SYSCALL_PREFIX = "syscall:";

    /** Microseconds per stack, in the order first met. */
    private final Map<String, long[]> stacks = new LinkedHashMap<>();
    /** Off-CPU time per thread that ebpf.ThreadOffCpu events explain, so the rest can be shown as such. */
    private final Map<String, long[]> explained = new LinkedHashMap<>();
    private final Map<String, long[]> offCpu = new LinkedHashMap<>();
    boolean sawEvents;
    /** Whether the recording holds ebpf.ThreadSyscalls events (of any thread). */
    boolean sawSyscalls;

    /** Reads the recording's threads by kernel state. */
    static Flame read(Path file, java.util.regex.Pattern threads) throws IOException {
        return read(file, threads, STATES);
    }

    /**
     * Reads the recording's threads, or only those whose whole name matches {@code threads} if not
     * null, as {@code kind} ({@link #STATES} or {@link #SYSCALLS}) tells.
     */
    static Flame read(Path file, java.util.regex.Pattern threads, String kind) throws IOException {
        boolean syscalls = kind.equals(SYSCALLS);
        Flame f = new Flame();
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent e = recording.readEvent();
                String type = e.getEventType().getName();
                if (type.equals("ebpf.ThreadScheduling")) {
                    f.sawEvents = true;
                }
                if (type.equals("ebpf.ThreadSyscalls")) {
                    f.sawSyscalls = true;
                }
                if (threads != null && type.startsWith("ebpf.Thread") && !threads.matcher(e.getString("threadName")).matches()) {
                    continue;
                }
                if (syscalls) {
                    if (type.equals("ebpf.ThreadSyscalls")) {
                        f.add(e.getLong("totalTime"), e.getString("threadName"), SYSCALL_PREFIX + e.getString("syscall"));
                    }
                    continue;
                }
                switch (type) {
                    case "ebpf.ThreadScheduling" -> {
                        String thread = e.getString("threadName");
                        f.add(e.getLong("onCpu"), thread, ON_CPU);
                        f.add(e.getLong("runQueueWait"), thread, RUN_QUEUE);
                        f.offCpu.computeIfAbsent(thread, k -> new long[1])[0] += e.getLong("offCpu");
                    }
                    case "ebpf.ThreadOffCpu" -> {
                        String thread = e.getString("threadName");
                        String reason = Report.Reason.label(e.getString("syscall"), e.getString("waitKind"));
                        f.add(e.getLong("offCpu"), thread, OFF_CPU, reason);
                        f.explained.computeIfAbsent(thread, k -> new long[1])[0] += e.getLong("offCpu");
                    }
                    default -> { }
                }
            }
        }
        // Off-CPU time no reason event covers (a recording without them) still shows, unsplit.
        f.offCpu.forEach((thread, ns) -> f.add(ns[0] - f.explained.getOrDefault(thread, new long[1])[0], thread, OFF_CPU));
        return f;
    }

    private void add(long nanos, String... frames) {
        if (nanos > 0) {
            stacks.computeIfAbsent(String.join(";", frames), k -> new long[1])[0] += nanos;
        }
    }

    /**
     * Writes the interactive HTML flame graph; with a {@code base}, a differential one: the widths
     * are this recording's, each frame coloured by how its own time changed from the base's (red
     * grew, blue shrank, the deeper the more; yellow: not in the base).
     */
    void html(String title, Flame base, PrintStream out) {
        FlameGraph graph = graph(title);
        if (base != null) {
            graph.diff(base.graph(title));
        }
        graph.dump(out);
    }

    private FlameGraph graph(String title) {
        Arguments args = new Arguments();
        args.title = title;
        FlameGraph graph = new FlameGraph(args);
        CallStack stack = new CallStack();
        stacks.forEach((path, ns) -> {
            long micros = ns[0] / 1000;
            if (micros == 0) {
                return;
            }
            stack.clear();
            String[] frames = path.split(";");
            for (int i = 0; i < frames.length; i++) {
                stack.push(frames[i], type(i, frames[Math.min(1, frames.length - 1)]));
            }
            graph.addSample(stack, micros);
        });
        return graph;
    }

    /**
     * Writes collapsed stacks, one "frame;frame;frame microseconds" line per stack; with a
     * {@code base}, "frame;frame;frame baseMicroseconds microseconds" for the stacks of either.
     */
    void collapsed(Flame base, PrintStream out) {
        Map<String, long[]> all = new LinkedHashMap<>(stacks);
        if (base != null) {
            base.stacks.forEach(all::putIfAbsent);
        }
        all.forEach((path, unused) -> {
            long micros = micros(path);
            if (base == null) {
                if (micros > 0) {
                    out.println(path + " " + micros);
                }
            } else if (micros > 0 || base.micros(path) > 0) {
                out.println(path + " " + base.micros(path) + " " + micros);
            }
        });
    }

    private long micros(String path) {
        long[] ns = stacks.get(path);
        return ns == null ? 0 : ns[0] / 1000;
    }

    /** Frame colours: threads neutral, on-CPU green, run-queue wait red, off-CPU and its reasons kernel orange. */
    private static byte type(int depth, String state) {
        if (depth == 0) {
            return Frame.TYPE_CPP;
        }
        return switch (state) {
            case ON_CPU -> Frame.TYPE_JIT_COMPILED;
            case RUN_QUEUE -> Frame.TYPE_NATIVE;
            default -> Frame.TYPE_KERNEL;
        };
    }
}

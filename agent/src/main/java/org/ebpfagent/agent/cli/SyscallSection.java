package org.ebpfagent.agent.cli;

import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;

/**
 * The report's syscall section, from the syscall probe's events: per thread its top syscalls
 * (calls, errors, time, p99), per syscall for the whole process (calls, errors, restarts, time,
 * max, p99, slow calls), the commonest errnos, and the slow syscalls with the longest of them.
 * Not printed when the recording has no syscall events.
 */
final class SyscallSection {
    /** Syscalls named per thread in the tables (JSON has all). */
    static final int TOP_PER_THREAD = 3;
    static final int TOP_ERRNOS = 10;
    static final int WORST_SLOW = 5;

    /** One thread's syscalls. */
    static final class ThreadRow {
        String name;
        long tid;
        long totalTime;
        final Map<String, SyscallStats> syscalls = new LinkedHashMap<>();
    }

    /** One syscall's failures with one errno, over all threads. */
    static final class ErrnoRow {
        String syscall;
        String errno;
        int errnoNumber;
        long count;
        final Set<Long> tids = new HashSet<>();
    }

    /** One ebpf.SlowSyscall event. */
    record Slow(String thread, long tid, String syscall, long time, String result, Instant start) {}

    private final Map<String, ThreadRow> threads = new LinkedHashMap<>();
    private final Map<String, ErrnoRow> errnos = new LinkedHashMap<>();
    final SyscallTotals process = new SyscallTotals();
    /** The longest slow calls, longest first, at most {@link #WORST_SLOW} (the count is in {@link #process}). */
    private final List<Slow> worst = new ArrayList<>();

    /** Takes one event of the recording; returns whether it was a syscall one. */
    boolean accept(RecordedEvent e) {
        switch (e.getEventType().getName()) {
            case "ebpf.ThreadSyscalls" -> {
                ThreadRow t = thread(e);
                String syscall = e.getString("syscall") == null ? "?" : e.getString("syscall");
                t.syscalls.computeIfAbsent(syscall, SyscallStats::new).add(e);
                t.totalTime += e.getLong("totalTime");
                process.accept(e);
                return true;
            }
            case "ebpf.ThreadSyscallErrors" -> {
                String syscall = e.getString("syscall");
                String errno = e.getString("errno");
                ErrnoRow r = errnos.computeIfAbsent(syscall + "/" + errno, k -> new ErrnoRow());
                r.syscall = syscall;
                r.errno = errno;
                r.errnoNumber = e.getInt("errnoNumber");
                r.count += e.getLong("count");
                r.tids.add(e.getLong("tid"));
                return true;
            }
            case "ebpf.SlowSyscall" -> {
                process.accept(e);
                keepIfWorst(new Slow(e.getString("threadName"), e.getLong("tid"), e.getString("syscall"),
                        e.getLong("time"), e.getString("result"), e.getStartTime()));
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    boolean isEmpty() {
        return process.isEmpty() && errnos.isEmpty();
    }

    private void keepIfWorst(Slow s) {
        worst.add(s);
        worst.sort(Comparator.comparingLong(Slow::time).reversed().thenComparing(Slow::start));
        if (worst.size() > WORST_SLOW) {
            worst.removeLast();
        }
    }

    private ThreadRow thread(RecordedEvent e) {
        String name = e.getString("threadName");
        long tid = e.getLong("tid");
        ThreadRow r = threads.computeIfAbsent(tid + "/" + name, k -> new ThreadRow());
        r.name = name;
        r.tid = tid;
        return r;
    }

    /** Threads by their syscall time, most first, then by name. */
    private List<ThreadRow> sortedThreads() {
        List<ThreadRow> out = new ArrayList<>(threads.values());
        out.sort(Comparator.comparingLong((ThreadRow t) -> t.totalTime).reversed().thenComparing(t -> t.name));
        return out;
    }

    private List<ErrnoRow> sortedErrnos() {
        List<ErrnoRow> out = new ArrayList<>(errnos.values());
        out.sort(Comparator.comparingLong((ErrnoRow r) -> r.count).reversed().thenComparing(r -> r.syscall)
                .thenComparing(r -> r.errno));
        return out;
    }

    void text(PrintStream out) {
        if (isEmpty()) {
            return;
        }
        out.println();
        out.println("Syscalls per thread (top " + TOP_PER_THREAD + " by time; p99 ms is an upper bound over the intervals)");
        out.printf(Locale.ROOT, "%-32s %-20s %10s %8s %11s %10s%n", "thread [tid]", "syscall", "calls", "errors",
                "time ms", "p99 ms");
        for (ThreadRow t : sortedThreads()) {
            List<SyscallStats> top = SyscallTotals.byTime(t.syscalls.values());
            for (int i = 0; i < Math.min(TOP_PER_THREAD, top.size()); i++) {
                SyscallStats s = top.get(i);
                out.printf(Locale.ROOT, "%-32s %-20s %10d %8d %11.1f %10.3f%n",
                        i == 0 ? ReportWriter.truncate(t.name + " [" + t.tid + "]", 32) : "",
                        ReportWriter.truncate(s.syscall, 20), s.calls, s.errors, s.totalTime / 1e6, s.p99() / 1e6);
            }
        }
        out.println();
        out.println("Syscalls of the process (by time)");
        out.printf(Locale.ROOT, "%-20s %10s %8s %8s %11s %10s %10s %6s %7s%n", "syscall", "calls", "errors", "restarts",
                "time ms", "max ms", "p99 ms", "slow", "threads");
        for (SyscallStats s : process.byTime()) {
            out.printf(Locale.ROOT, "%-20s %10d %8d %8d %11.1f %10.3f %10.3f %6d %7d%n", ReportWriter.truncate(s.syscall, 20),
                    s.calls, s.errors, s.restarts, s.totalTime / 1e6, s.maxTime / 1e6, s.p99() / 1e6, s.slow, s.tids.size());
        }
        List<ErrnoRow> errs = sortedErrnos();
        if (!errs.isEmpty()) {
            out.println();
            out.println("Syscall errors (top " + TOP_ERRNOS + ")");
            out.printf(Locale.ROOT, "%-20s %-16s %10s %7s%n", "syscall", "errno", "count", "threads");
            for (ErrnoRow r : errs.subList(0, Math.min(TOP_ERRNOS, errs.size()))) {
                out.printf(Locale.ROOT, "%-20s %-16s %10d %7d%n", ReportWriter.truncate(r.syscall, 20),
                        ReportWriter.truncate(r.errno, 16), r.count, r.tids.size());
            }
        }
        out.println();
        out.println("Slow syscalls (ebpf.SlowSyscall, at least the agent's slowSyscall option): " + process.slowTotal
                + (worst.isEmpty() ? "" : "; the longest:"));
        for (Slow s : worst) {
            out.printf(Locale.ROOT, "  %s [%d] %s %.3f ms, %s, at %s%n", s.thread, s.tid, s.syscall, s.time / 1e6,
                    s.result, s.start.truncatedTo(ChronoUnit.MILLIS));
        }
    }

    void markdown(PrintStream out) {
        if (isEmpty()) {
            return;
        }
        out.println("### Syscalls per thread");
        out.println();
        out.println("Top " + TOP_PER_THREAD + " syscalls of each thread by time; p99 is an upper bound over the intervals.");
        out.println();
        out.println("| thread | tid | syscall | calls | errors | time ms | p99 ms |");
        out.println("|---|---:|---|---:|---:|---:|---:|");
        for (ThreadRow t : sortedThreads()) {
            List<SyscallStats> top = SyscallTotals.byTime(t.syscalls.values());
            for (int i = 0; i < Math.min(TOP_PER_THREAD, top.size()); i++) {
                SyscallStats s = top.get(i);
                out.printf(Locale.ROOT, "| %s | %s | %s | %d | %d | %.1f | %.3f |%n", i == 0 ? cell(t.name) : "",
                        i == 0 ? String.valueOf(t.tid) : "", cell(s.syscall), s.calls, s.errors, s.totalTime / 1e6,
                        s.p99() / 1e6);
            }
        }
        out.println();
        out.println("### Syscalls of the process");
        out.println();
        out.println("| syscall | calls | errors | restarts | time ms | max ms | p99 ms | slow | threads |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (SyscallStats s : process.byTime()) {
            out.printf(Locale.ROOT, "| %s | %d | %d | %d | %.1f | %.3f | %.3f | %d | %d |%n", cell(s.syscall), s.calls,
                    s.errors, s.restarts, s.totalTime / 1e6, s.maxTime / 1e6, s.p99() / 1e6, s.slow, s.tids.size());
        }
        out.println();
        List<ErrnoRow> errs = sortedErrnos();
        if (!errs.isEmpty()) {
            out.println("### Syscall errors");
            out.println();
            out.println("| syscall | errno | count | threads |");
            out.println("|---|---|---:|---:|");
            for (ErrnoRow r : errs.subList(0, Math.min(TOP_ERRNOS, errs.size()))) {
                out.printf(Locale.ROOT, "| %s | %s | %d | %d |%n", cell(r.syscall), cell(r.errno), r.count, r.tids.size());
            }
            out.println();
        }
        out.println("Slow syscalls (`ebpf.SlowSyscall`): " + process.slowTotal + (worst.isEmpty() ? "." : "; the longest:"));
        out.println();
        for (Slow s : worst) {
            out.printf(Locale.ROOT, "- %s [%d] `%s` %.3f ms, %s, at %s%n", cell(s.thread), s.tid, s.syscall, s.time / 1e6,
                    s.result, s.start.truncatedTo(ChronoUnit.MILLIS));
        }
        if (!worst.isEmpty()) {
            out.println();
        }
    }

    void json(Json j) {
        j.key("syscalls").begin('{');
        j.key("process").begin('[');
        for (SyscallStats s : process.byTime()) {
            j.begin('{');
            common(j, s);
            j.field("restarts", s.restarts);
            j.field("maxTimeNs", s.maxTime);
            j.field("slow", s.slow);
            j.field("threads", (long) s.tids.size());
            j.end('}');
        }
        j.end(']');
        j.key("threads").begin('[');
        for (ThreadRow t : sortedThreads()) {
            j.begin('{');
            j.field("name", t.name);
            j.field("tid", t.tid);
            j.field("totalTimeNs", t.totalTime);
            j.key("syscalls").begin('[');
            for (SyscallStats s : SyscallTotals.byTime(t.syscalls.values())) {
                j.begin('{');
                common(j, s);
                j.field("restarts", s.restarts);
                j.field("maxTimeNs", s.maxTime);
                j.end('}');
            }
            j.end(']');
            j.end('}');
        }
        j.end(']');
        j.key("errors").begin('[');
        for (ErrnoRow r : sortedErrnos()) {
            j.begin('{');
            j.field("syscall", r.syscall);
            j.field("errno", r.errno);
            j.field("errnoNumber", (long) r.errnoNumber);
            j.field("count", r.count);
            j.field("threads", (long) r.tids.size());
            j.end('}');
        }
        j.end(']');
        j.field("slowCount", process.slowTotal);
        j.key("slowest").begin('[');
        for (Slow s : worst) {
            j.begin('{');
            j.field("thread", s.thread);
            j.field("tid", s.tid);
            j.field("syscall", s.syscall);
            j.field("timeNs", s.time);
            j.field("result", s.result);
            j.field("start", s.start.toString());
            j.end('}');
        }
        j.end(']');
        j.end('}');
    }

    private static void common(Json j, SyscallStats s) {
        j.field("syscall", s.syscall);
        j.field("calls", s.calls);
        j.field("errors", s.errors);
        j.field("totalTimeNs", s.totalTime);
        j.field("p99TimeBoundNs", s.p99());
    }

    /** A thread name may hold a pipe, which would end a markdown cell. */
    private static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|");
    }
}

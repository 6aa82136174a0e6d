package org.ebpfagent.agent.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * What a recording says per thread: scheduling totals (ebpf.ThreadScheduling) and off-CPU time
 * by reason (ebpf.ThreadOffCpu), with the process's totals and the agent's own health
 * (ebpf.AgentStatistics). Read once; printed by {@link ReportWriter}.
 */
final class Report {
    /** One thread: a tid under one name (a reused tid with another name is another thread). */
    static final class ThreadRow {
        String name;
        long tid;
        final SchedTotals totals = new SchedTotals();
        final Map<String, Reason> reasons = new LinkedHashMap<>();

        /** Reasons by off-CPU time, largest first. */
        List<Reason> topReasons() {
            List<Reason> r = new ArrayList<>(reasons.values());
            r.sort(Comparator.comparingLong((Reason x) -> x.offCpu).reversed());
            return r;
        }
    }

    /** Off-CPU time for one syscall and wait kind. */
    static final class Reason {
        String syscall;
        String waitKind;
        long offCpu;
        long blocks;

        String label() {
            return label(syscall, waitKind);
        }

        /** "futex", or "fsync (uninterruptible)": the wait kind is named when it is not the usual sleep. */
        static String label(String syscall, String waitKind) {
            return waitKind.equals("sleeping") ? syscall : syscall + " (" + waitKind + ")";
        }
    }

    final Path file;
    final Map<String, ThreadRow> threads = new LinkedHashMap<>();
    final SchedTotals process = new SchedTotals();
    final Map<String, Reason> processReasons = new LinkedHashMap<>();
    long polls;
    long pollTimeTotal;
    long pollTimeMax;
    long measuredNanos;
    long errors;
    long threadsDropped;
    long exitsDropped;
    long reasonsDropped;
    long probeMisses;
    long recordsLost;
    long connectionsDropped;
    long slowSyscallsLost;
    long syscallEntriesDropped;
    long switchInsUnseen;
    boolean hasReasons;
    /** The TCP probe's section (empty without its events). */
    final TcpSection tcp = new TcpSection();
    /** The syscall probe's section (empty without its events). */
    final SyscallSection syscalls = new SyscallSection();
    private java.time.Instant first;
    private java.time.Instant last;

    private Report(Path file) {
        this.file = file;
    }

    static Report read(Path file) throws IOException {
        Report r = new Report(file);
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent e = recording.readEvent();
                switch (e.getEventType().getName()) {
                    case "ebpf.ThreadScheduling" -> {
                        r.row(e).totals.add(e);
                        r.process.add(e);
                        r.first = r.first == null || e.getStartTime().isBefore(r.first) ? e.getStartTime() : r.first;
                        r.last = r.last == null || e.getEndTime().isAfter(r.last) ? e.getEndTime() : r.last;
                    }
                    case "ebpf.ThreadOffCpu" -> {
                        r.hasReasons = true;
                        add(r.row(e).reasons, e);
                        add(r.processReasons, e);
                    }
                    case "ebpf.AgentStatistics" -> {
                        r.polls++;
                        r.measuredNanos += e.getDuration().toNanos();
                        r.pollTimeTotal += e.getLong("pollTime");
                        r.pollTimeMax = Math.max(r.pollTimeMax, e.getLong("pollTime"));
                        r.errors += e.getLong("errors");
                        // Cumulative counters: the largest value is the total.
                        r.threadsDropped = Math.max(r.threadsDropped, e.getLong("threadsDropped"));
                        r.exitsDropped = Math.max(r.exitsDropped, e.getLong("exitsDropped"));
                        r.probeMisses = Math.max(r.probeMisses, e.getLong("probeMisses"));
                        r.reasonsDropped = cumulative(e, "reasonsDropped", r.reasonsDropped);
                        r.recordsLost = cumulative(e, "recordsLost", r.recordsLost);
                        r.connectionsDropped = cumulative(e, "connectionsDropped", r.connectionsDropped);
                        r.slowSyscallsLost = cumulative(e, "slowSyscallsLost", r.slowSyscallsLost);
                        r.syscallEntriesDropped = cumulative(e, "syscallEntriesDropped", r.syscallEntriesDropped);
                        r.switchInsUnseen = cumulative(e, "switchInsUnseen", r.switchInsUnseen);
                    }
                    default -> {
                        if (!r.tcp.accept(e)) {
                            r.syscalls.accept(e);
                        }
                    }
                }
            }
        }
        return r;
    }

    /** The larger of {@code so far} and a cumulative counter, which a recording of an older agent may lack. */
    private static long cumulative(RecordedEvent e, String field, long soFar) {
        return e.hasField(field) ? Math.max(soFar, e.getLong(field)) : soFar;
    }

    /**
     * Seconds the events cover: from the first interval's start to the last one's end, or the
     * agent's poll intervals added up if longer (a recording of several joined runs).
     */
    double seconds() {
        long span = first == null ? 0 : java.time.Duration.between(first, last).toNanos();
        return Math.max(Math.max(span, measuredNanos), 1_000_000) / 1e9;
    }

    boolean isEmpty() {
        return threads.isEmpty();
    }

    /** Threads busiest first (on-CPU plus waiting for a CPU), then by name. */
    List<ThreadRow> sortedThreads() {
        List<ThreadRow> rows = new ArrayList<>(threads.values());
        rows.sort(Comparator.comparingLong((ThreadRow t) -> t.totals.onCpu + t.totals.runQueueWait).reversed()
                .thenComparing(t -> t.name));
        return rows;
    }

    List<Reason> processTopReasons() {
        List<Reason> r = new ArrayList<>(processReasons.values());
        r.sort(Comparator.comparingLong((Reason x) -> x.offCpu).reversed());
        return r;
    }

    private ThreadRow row(RecordedEvent e) {
        long tid = e.getLong("tid");
        String name = e.getString("threadName");
        ThreadRow row = threads.computeIfAbsent(tid + "/" + name, k -> new ThreadRow());
        row.name = name;
        row.tid = tid;
        return row;
    }

    private static void add(Map<String, Reason> reasons, RecordedEvent e) {
        String syscall = e.getString("syscall");
        String kind = e.getString("waitKind");
        Reason r = reasons.computeIfAbsent(syscall + "/" + kind, k -> new Reason());
        r.syscall = syscall;
        r.waitKind = kind;
        r.offCpu += e.getLong("offCpu");
        r.blocks += e.getLong("blocks");
    }
}

package org.ebpfagent.agent.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import org.ebpfagent.agent.threads.ThreadGroups;

/** One recording's ebpf.ThreadScheduling sums per thread group and for the whole process, and the time they cover. */
final class SchedRecording {
    final Map<String, SchedTotals> groups = new HashMap<>();
    final SchedTotals process = new SchedTotals();
    /** The TCP probe's figures, read in the same pass (empty without its events). */
    final TcpTotals tcp = new TcpTotals();
    /** The syscall probe's figures, read in the same pass (empty without its events). */
    final SyscallTotals syscalls = new SyscallTotals();
    private long statisticsNanos;
    private Instant first;
    private Instant last;

    static SchedRecording read(Path file, ThreadGroups grouping) throws IOException {
        SchedRecording r = new SchedRecording();
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent e = recording.readEvent();
                switch (e.getEventType().getName()) {
                    case "ebpf.ThreadScheduling" -> {
                        r.group(grouping.groupOf(e.getString("threadName"))).add(e);
                        r.process.add(e);
                        r.span(e.getStartTime(), e.getEndTime());
                    }
                    case "ebpf.AgentStatistics" -> r.statisticsNanos += e.getDuration().toNanos();
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

    SchedTotals group(String name) {
        return groups.computeIfAbsent(name, g -> new SchedTotals());
    }

    /** Adds one thread's figures to a group and to the process (tests build recordings this way). */
    void add(String group, boolean java, long tid, long onCpu, long runQueueWait, long offCpu,
             long voluntary, long involuntary, long migrations) {
        group(group).add(java, tid, onCpu, runQueueWait, offCpu, voluntary, involuntary, migrations);
        process.add(java, tid, onCpu, runQueueWait, offCpu, voluntary, involuntary, migrations);
    }

    void span(Instant start, Instant end) {
        first = first == null || start.isBefore(first) ? start : first;
        last = last == null || end.isAfter(last) ? end : last;
    }

    boolean isEmpty() {
        return groups.isEmpty();
    }

    /**
     * Seconds measured: the sum of the agent's poll intervals (ebpf.AgentStatistics durations),
     * which is exactly the time the kernel counted, leaves out any gap between recordings joined
     * into one file, and does not shrink when no thread happened to be active in the first or last
     * interval. Without those events: first event start to last event end.
     */
    double seconds() {
        long nanos = statisticsNanos > 0 ? statisticsNanos : first == null ? 0 : Duration.between(first, last).toNanos();
        return Math.max(nanos, 1_000_000) / 1e9; // a floor of 1 ms keeps a degenerate file from dividing by zero
    }
}

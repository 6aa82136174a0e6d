package org.ebpfagent.agent.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/** One recording's ebpf.ThreadScheduling sums per thread group and for the whole process, and the time they cover. */
final class SchedRecording {
    /** The sums of one group (or of the process) and how many threads it held. */
    static final class Totals {
        long onCpu;
        long runQueueWait;
        long offCpu;
        long voluntary;
        long involuntary;
        long migrations;
        boolean java;
        final Set<Long> tids = new HashSet<>();
    }

    final Map<String, Totals> groups = new HashMap<>();
    final Totals process = new Totals();
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
                        r.add(grouping.groupOf(e.getString("threadName")), e.getThread("javaThread") != null, e.getLong("tid"),
                                e.getLong("onCpu"), e.getLong("runQueueWait"), e.getLong("offCpu"),
                                e.getLong("voluntarySwitches"), e.getLong("involuntarySwitches"), e.getLong("migrations"));
                        r.span(e.getStartTime(), e.getEndTime());
                    }
                    case "ebpf.AgentStatistics" -> r.statisticsNanos += e.getDuration().toNanos();
                    default -> { }
                }
            }
        }
        return r;
    }

    void add(String group, boolean java, long tid, long onCpu, long runQueueWait, long offCpu,
             long voluntary, long involuntary, long migrations) {
        for (Totals t : new Totals[] {groups.computeIfAbsent(group, g -> new Totals()), process}) {
            t.onCpu += onCpu;
            t.runQueueWait += runQueueWait;
            t.offCpu += offCpu;
            t.voluntary += voluntary;
            t.involuntary += involuntary;
            t.migrations += migrations;
            t.java |= java;
            t.tids.add(tid);
        }
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

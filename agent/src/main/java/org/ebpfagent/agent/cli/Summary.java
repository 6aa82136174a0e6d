package org.ebpfagent.agent.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/** The ebpf.ThreadScheduling events of a recording summed per thread, as a text table. */
final class Summary {
    private final Map<Long, Row> rows = new LinkedHashMap<>();
    private long agentPolls;
    private long maxPollTime;
    private long totalPollTime;
    private long errors;
    private long dropped;
    private long misses;
    private Instant first;
    private Instant last;

    /** One thread's name and totals. */
    static final class Row {
        String name;
        final SchedTotals totals = new SchedTotals();
    }

    static Summary read(Path file) throws IOException {
        Summary s = new Summary();
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent e = recording.readEvent();
                switch (e.getEventType().getName()) {
                    case "ebpf.ThreadScheduling" -> s.add(e);
                    case "ebpf.AgentStatistics" -> {
                        s.agentPolls++;
                        s.totalPollTime += e.getLong("pollTime");
                        s.maxPollTime = Math.max(s.maxPollTime, e.getLong("pollTime"));
                        s.errors += e.getLong("errors");
                        s.dropped = Math.max(s.dropped, e.getLong("threadsDropped") + e.getLong("exitsDropped"));
                        s.misses = Math.max(s.misses, e.getLong("probeMisses"));
                    }
                    default -> { }
                }
            }
        }
        return s;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    private void add(RecordedEvent e) {
        // A reused tid would merge two threads; the name keeps them apart in the table.
        Row r = rows.computeIfAbsent(e.getLong("tid") * 31 + e.getString("threadName").hashCode(), k -> new Row());
        r.name = e.getString("threadName") + " [" + e.getLong("tid") + "]";
        r.totals.add(e);
        Instant end = e.getEndTime();
        first = first == null || e.getStartTime().isBefore(first) ? e.getStartTime() : first;
        last = last == null || end.isAfter(last) ? end : last;
    }

    void print(PrintStream out) {
        List<Row> sorted = new ArrayList<>(rows.values());
        sorted.sort(Comparator.comparingLong((Row r) -> r.totals.onCpu + r.totals.runQueueWait).reversed());
        Duration span = Duration.between(first, last);
        out.printf(Locale.ROOT, "ebpf-agent summary: %d threads over %.1f s; run-queue wait is time runnable but not running%n",
                rows.size(), span.toMillis() / 1000.0);
        out.printf(Locale.ROOT, "%-34s %10s %10s %10s %6s %9s %9s %6s%n", "thread [tid]", "on-CPU ms", "runq ms",
                "off-CPU ms", "wait%", "vol sw", "invol sw", "migr");
        for (Row r : sorted) {
            SchedTotals t = r.totals;
            double wait = t.onCpu + t.runQueueWait == 0 ? 0 : 100.0 * t.runQueueWait / (t.onCpu + t.runQueueWait);
            out.printf(Locale.ROOT, "%-34s %10.1f %10.1f %10.1f %5.0f%% %9d %9d %6d%n",
                    truncate((t.java ? "" : "*") + r.name, 34), t.onCpu / 1e6, t.runQueueWait / 1e6, t.offCpu / 1e6,
                    wait, t.voluntary, t.involuntary, t.migrations);
        }
        out.println("* no java.lang.Thread (a JVM-internal thread such as GC or JIT); wait% = runq / (on-CPU + runq)");
        if (agentPolls > 0) {
            out.printf(Locale.ROOT, "agent: %d polls, poll time mean %.2f ms, max %.2f ms, %d errors, "
                            + "%d threads or exits dropped, %d tracepoint hits missed%n",
                    agentPolls, totalPollTime / 1e6 / agentPolls, maxPollTime / 1e6, errors, dropped, misses);
        }
    }

    private static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "~";
    }
}

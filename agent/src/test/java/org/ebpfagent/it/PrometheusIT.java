package org.ebpfagent.it;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.ebpfagent.agent.threads.ThreadGroups;
import org.ebpfagent.sample.SampleApp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Prometheus endpoint against a real Prometheus server: the sample app runs under the agent
 * with every probe, {@code metrics=0} and a JFR recording; Prometheus scrapes it every second;
 * then every {@code ebpf_*} series Prometheus stored is compared with the same figure summed from
 * the recording's events.
 *
 * <p>How the two are lined up: a scrape returns the snapshot published by the last poll before
 * it, and {@code ebpf_agent_polls_total} says which poll that was ({@link Recorded#pollOffset}
 * finds the polls made before the recording from the poll times). The recording has one
 * {@code ebpf.AgentStatistics} per poll (from the first poll inside the recording on) and each
 * poll's other events end before its statistics event does; so the figures of polls N1+1..N2 are
 * the events that end between the statistics events of polls N1 and N2. The increase of each
 * series between the first and the last scrape must equal that sum, within what the polls at the
 * two ends carried: an event that ends just before a poll's statistics event but was read by the
 * next poll (a connect finishing, a thread exiting, during the poll) falls on the other side in
 * the recording. That is one scrape interval's worth, the same poll-interval's worth derived from
 * the data, series by series.
 */
class PrometheusIT {
    static final int SCRAPE_SECONDS = 1;
    /**
     * Polls after the recording's first before the compared window may begin: a thread the agent
     * cannot name yet (the JVM's own: compiler, GC, VM threads) is first reported after 3 polls,
     * for its time since the probe first saw it, which began before the recording: the recording
     * drops that report and the exporters count it (a compiler thread's start-up switches, 323 of
     * them, pushed in a window that began at the recording's 4th poll).
     */
    static final int FIRST_COMPARED_POLL = 2 + 3;
    static final Pattern ENDPOINT = Pattern.compile("metrics: Prometheus endpoint on http://127\\.0\\.0\\.1:(\\d+)/metrics");
    static final ThreadGroups GROUPS = new ThreadGroups();
    /** The syscall and TCP probes' histograms: power-of-two buckets of ns, bucket b up to 2^(b+1) - 1 ns. */
    static final int BUCKETS = 36;

    /** Every family the three probes and the agent's health declare. */
    static final List<String> FAMILIES = List.of(
            "ebpf_sched_on_cpu_seconds_total", "ebpf_sched_run_queue_wait_seconds_total",
            "ebpf_sched_stolen_seconds_total", "ebpf_sched_off_cpu_seconds_total",
            "ebpf_sched_voluntary_switches_total", "ebpf_sched_involuntary_switches_total",
            "ebpf_sched_migrations_total", "ebpf_sched_off_cpu_reason_seconds_total", "ebpf_sched_off_cpu_blocks_total",
            "ebpf_tcp_sent_bytes_total", "ebpf_tcp_received_bytes_total", "ebpf_tcp_connects_total",
            "ebpf_tcp_connect_failures_total", "ebpf_tcp_accepts_total", "ebpf_tcp_retransmits_total",
            "ebpf_tcp_connect_duration_seconds_bucket", "ebpf_tcp_connect_duration_seconds_count",
            "ebpf_tcp_connect_duration_seconds_sum",
            "ebpf_syscall_calls_total", "ebpf_syscall_errors_total", "ebpf_syscall_restarts_total",
            "ebpf_syscall_time_seconds_total", "ebpf_syscall_duration_seconds_bucket",
            "ebpf_syscall_duration_seconds_count", "ebpf_syscall_duration_seconds_sum", "ebpf_syscall_errno_total",
            "ebpf_agent_polls_total", "ebpf_agent_poll_time_seconds_total", "ebpf_agent_poll_errors_total",
            "ebpf_agent_events_written_total", "ebpf_agent_map_read_calls_total", "ebpf_agent_map_entries_read_total",
            "ebpf_agent_threads_tracked", "ebpf_agent_probes_attached", "ebpf_agent_threads_dropped_total",
            "ebpf_agent_exits_dropped_total", "ebpf_agent_reasons_dropped_total", "ebpf_agent_probe_misses_total",
            "ebpf_agent_records_lost_total", "ebpf_agent_connections_dropped_total",
            "ebpf_agent_slow_syscalls_lost_total", "ebpf_agent_syscall_entries_dropped_total",
            "ebpf_agent_thread_groups", "ebpf_agent_thread_groups_folded_total");

    @Test
    void prometheusStoresTheFiguresTheRecordingHolds() throws Exception {
        AgentRun.Running app = AgentRun.of(SampleApp.class).classPath(AgentRun.classesOf(SampleApp.class))
                .agentOptions("probes=sched+tcp+syscalls,metrics=0").args("--duration=25").start();
        String line = app.awaitStderr("metrics: Prometheus endpoint on", Duration.ofSeconds(60));
        Matcher m = ENDPOINT.matcher(line);
        assertTrue(m.find() && line.contains("loopback only"), line);
        AgentRun.Result result;
        Map<String, TreeMap<Long, Double>> stored;
        try (PrometheusServer prometheus = PrometheusServer.start("127.0.0.1:" + m.group(1), SCRAPE_SECONDS)) {
            result = app.finish(Duration.ofSeconds(180));
            JsonNode matrix = prometheus.query("{__name__=~\"ebpf_.+\",job=\"ebpf-agent\"}[1h]");
            stored = series(matrix);
            System.out.println("prometheus: " + stored.size() + " series; its log: " + prometheus.log());
        }
        assertEquals(0, result.exitCode(), () -> "the sample app's exit code; stderr: " + result.stderr());
        assertTrue(result.agentLines().stream().noneMatch(l -> l.startsWith("WARN") || l.startsWith("ERROR")),
                () -> "agent lines: " + result.agentLines());

        Set<String> names = new TreeSet<>();
        stored.keySet().forEach(k -> names.add(k.substring(0, k.indexOf('{'))));
        for (String family : FAMILIES) {
            assertTrue(names.contains(family), "no series of " + family + " in Prometheus; it has " + names);
        }
        assertTrue(stored.keySet().stream().noneMatch(k -> k.contains("thread_group=\"(other)\"")),
                "the sample app's groups are fewer than the cap: nothing folded");

        Recorded rec = new Recorded(result.recording());
        TreeMap<Long, Double> polls = stored.get("ebpf_agent_polls_total{}");
        TreeMap<Long, Double> pollTime = stored.get("ebpf_agent_poll_time_seconds_total{}");
        List<PollCount> seen = new ArrayList<>();
        for (var e : polls.entrySet()) {
            if (pollTime.containsKey(e.getKey())) {
                seen.add(new PollCount(Math.round(e.getValue()), value(pollTime, e.getKey(), true)));
            }
        }
        int offset = rec.pollOffset(seen);
        // The first scrape whose poll's intervals all began inside the recording, and the last.
        long first = -1;
        for (var e : polls.entrySet()) {
            if (e.getValue() >= offset + FIRST_COMPARED_POLL) {
                first = e.getKey();
                break;
            }
        }
        // The last scrape whose poll is in the recording: the poller goes on while the JVM shuts
        // down after the recording's last chunk (seen: the JFR Shutdown Hook's switches, scraped
        // at load 13, that no event holds).
        long last = -1;
        for (var e : polls.entrySet()) {
            if (e.getValue() <= offset + rec.pollEnds.length) {
                last = e.getKey();
            }
        }
        int p1 = (int) Math.round(polls.get(first));
        int p2 = (int) Math.round(polls.get(last));
        System.out.printf("polls before the recording %d, compared polls %d..%d (%d scrapes)%n", offset, p1 + 1, p2,
                polls.subMap(first, true, last, true).size());
        assertTrue(first > 0 && p2 - p1 >= 8, "too few polls between two scrapes to compare: " + p1 + ".." + p2);

        Map<String, Map<Integer, Long>> expected = rec.figures(offset);
        Set<String> keys = new TreeSet<>();
        for (String k : stored.keySet()) {
            if (compared(k)) {
                keys.add(k);
            }
        }
        for (String k : expected.keySet()) {
            keys.add(k);
        }
        final long at = first;
        final long to = last;
        SeriesAgreement.of(keys, k -> {
            TreeMap<Long, Double> samples = stored.get(k);
            boolean nanos = k.contains("_seconds_total{") || k.contains("_seconds_sum{");
            return samples == null ? 0 : value(samples, to, nanos) - value(samples, at, nanos);
        }, expected, p1, p2, "Prometheus").assertAgrees(PrometheusIT::compared);
    }

    /**
     * The families the recording says something about: not the agent's own health, nor the
     * syscall histogram's buckets (the events carry only quantiles of them; its count and sum are
     * compared).
     */
    private static boolean compared(String key) {
        return !key.startsWith("ebpf_agent_") && !key.startsWith("ebpf_syscall_duration_seconds_bucket{");
    }

    /** A series' value at a scrape, or 0 if it did not exist yet (a row is made at its first report). */
    private static long value(TreeMap<Long, Double> samples, long at, boolean nanos) {
        Double v = samples.get(at);
        if (v == null) {
            assertTrue(samples.firstKey() > at, "a series missing from a scrape after its first: " + samples);
            return 0;
        }
        return Math.round(nanos ? v * 1e9 : v);
    }

    /** {@code name{label="value",...}} (labels sorted, job and instance left out) to its samples by time (ms). */
    private static Map<String, TreeMap<Long, Double>> series(JsonNode matrix) {
        Map<String, TreeMap<Long, Double>> out = new HashMap<>();
        for (JsonNode s : matrix) {
            TreeMap<String, String> labels = new TreeMap<>();
            s.path("metric").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
            String name = labels.remove("__name__");
            labels.remove("job");
            labels.remove("instance");
            String le = labels.get("le");
            if (le != null) { // the exporter's double, as text: back to the bucket's index
                labels.put("le", Integer.toString(bucketOfBound(le.equals("+Inf") ? Double.POSITIVE_INFINITY
                        : Double.parseDouble(le))));
            }
            TreeMap<Long, Double> samples = new TreeMap<>();
            for (JsonNode v : s.path("values")) {
                samples.put(Math.round(v.get(0).asDouble() * 1000), v.get(1).asDouble());
            }
            out.put(key(name, labels), samples);
        }
        return out;
    }

    static String key(String name, TreeMap<String, String> labels) {
        StringBuilder b = new StringBuilder(name).append('{');
        labels.forEach((k, v) -> b.append(k).append("=\"").append(v).append("\","));
        return b.append('}').toString();
    }

    static TreeMap<String, String> labels(String... kv) {
        TreeMap<String, String> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Bucket b holds up to 2^(b+1) - 1 ns; the last is +Inf. */
    static int bucketOfBound(double seconds) {
        if (Double.isInfinite(seconds)) {
            return BUCKETS - 1;
        }
        long ns = Math.round(seconds * 1e9);
        int b = 63 - Long.numberOfLeadingZeros(ns + 1) - 1;
        assertEquals((1L << (b + 1)) - 1, ns, "an le bound that is not 2^(b+1) - 1 ns: " + seconds);
        return b;
    }

    static int bucketOf(long ns) {
        for (int b = 0; b < BUCKETS - 1; b++) {
            if (ns <= (1L << (b + 1)) - 1) {
                return b;
            }
        }
        return BUCKETS - 1;
    }

    /** The recording's events, placed in the polls that reported them. */
    /** What an exporter said at one scrape or push: the polls made so far, and their time in all (ns). */
    record PollCount(long polls, long pollNanos) {}

    static final class Recorded {
        final List<RecordedEvent> events;
        /** End of each ebpf.AgentStatistics event, in order: the end of each poll inside the recording. */
        final Instant[] pollEnds;
        /** Each poll's pollTime (ns), in the same order. */
        final long[] pollTimes;

        Recorded(Path file) throws IOException {
            events = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().startsWith("ebpf.")).toList();
            List<RecordedEvent> statistics = events.stream()
                    .filter(e -> e.getEventType().getName().equals("ebpf.AgentStatistics"))
                    .sorted(java.util.Comparator.comparing(RecordedEvent::getEndTime)).toList();
            pollEnds = statistics.stream().map(RecordedEvent::getEndTime).toArray(Instant[]::new);
            pollTimes = statistics.stream().mapToLong(e -> e.getLong("pollTime")).toArray();
        }

        /**
         * Polls made before the recording's first, from the figures rather than from time: an
         * exporter says at each scrape or push how many polls were made (ebpf_agent_polls_total)
         * and how long they took in all (ebpf_agent_poll_time_seconds_total), and the recording
         * has each poll's pollTime. The offset is the one under which every two of those inside
         * the recording differ by exactly the poll time of the polls between them (to 1 us, the
         * rounding of seconds as a double). Times cannot do it: a scrape starts before it reads the
         * snapshot, a snapshot is published after its poll's statistics event ends, and JFR's
         * timestamps and the wall clock disagree by more than that (NTP slews the one, not the other).
         */
        int pollOffset(List<PollCount> seen) {
            TreeMap<Long, Long> byPolls = new TreeMap<>();
            seen.forEach(c -> byPolls.putIfAbsent(c.polls(), c.pollNanos()));
            List<Integer> matching = new ArrayList<>();
            for (int o = 0; o <= byPolls.lastKey(); o++) {
                long previous = -1;
                int pairs = 0;
                boolean agree = true;
                for (var c : byPolls.subMap((long) o + 1, true, (long) o + pollTimes.length, true).entrySet()) {
                    if (previous >= 0) {
                        long want = 0;
                        for (long n = previous + 1; n <= c.getKey(); n++) {
                            want += pollTimes[(int) (n - o - 1)];
                        }
                        agree &= Math.abs(c.getValue() - byPolls.get(previous) - want) <= 1_000;
                        pairs++;
                    }
                    previous = c.getKey();
                }
                if (agree && pairs >= 3) {
                    matching.add(o);
                }
            }
            assertEquals(1, matching.size(), "offsets under which the exported poll times match the recording's "
                    + "(polls before the recording): " + matching + "; exported " + byPolls);
            return matching.get(0);
        }

        /** The poll (numbered as ebpf_agent_polls_total counts) whose statistics event is the first to end at or after {@code end}. */
        int pollOf(Instant end, int offset) {
            int i = Arrays.binarySearch(pollEnds, end);
            if (i < 0) {
                i = -i - 1;
            }
            return offset + 1 + i;
        }

        /** Per series key, what each poll's events add to it. */
        Map<String, Map<Integer, Long>> figures(int offset) {
            Map<String, Map<Integer, Long>> out = new HashMap<>();
            for (RecordedEvent e : events) {
                int poll = pollOf(e.getEndTime(), offset);
                String type = e.getEventType().getName();
                switch (type) {
                    case "ebpf.ThreadScheduling" -> {
                        var l = labels("thread_group", group(e));
                        add(out, "ebpf_sched_on_cpu_seconds_total", l, poll, e.getLong("onCpu"));
                        add(out, "ebpf_sched_run_queue_wait_seconds_total", l, poll, e.getLong("runQueueWait"));
                        add(out, "ebpf_sched_stolen_seconds_total", l, poll, e.getLong("stolen"));
                        add(out, "ebpf_sched_off_cpu_seconds_total", l, poll, e.getLong("offCpu"));
                        add(out, "ebpf_sched_voluntary_switches_total", l, poll, e.getLong("voluntarySwitches"));
                        add(out, "ebpf_sched_involuntary_switches_total", l, poll, e.getLong("involuntarySwitches"));
                        add(out, "ebpf_sched_migrations_total", l, poll, e.getLong("migrations"));
                    }
                    case "ebpf.ThreadOffCpu" -> {
                        var l = labels("thread_group", group(e), "syscall", e.getString("syscall"),
                                "wait_kind", e.getString("waitKind"));
                        add(out, "ebpf_sched_off_cpu_reason_seconds_total", l, poll, e.getLong("offCpu"));
                        add(out, "ebpf_sched_off_cpu_blocks_total", l, poll, e.getLong("blocks"));
                    }
                    case "ebpf.ThreadTcp" -> {
                        var l = labels("thread_group", group(e));
                        add(out, "ebpf_tcp_sent_bytes_total", l, poll, e.getLong("bytesSent"));
                        add(out, "ebpf_tcp_received_bytes_total", l, poll, e.getLong("bytesReceived"));
                        add(out, "ebpf_tcp_connects_total", l, poll, e.getLong("connects"));
                        add(out, "ebpf_tcp_connect_failures_total", l, poll, e.getLong("connectFailures"));
                        add(out, "ebpf_tcp_accepts_total", l, poll, e.getLong("accepts"));
                        add(out, "ebpf_tcp_retransmits_total", l, poll, e.getLong("retransmits"));
                    }
                    case "ebpf.TcpConnect" -> {
                        if (e.getString("result").equals("established")) {
                            long ns = e.getLong("connectTime");
                            var none = labels();
                            add(out, "ebpf_tcp_connect_duration_seconds_count", none, poll, 1);
                            add(out, "ebpf_tcp_connect_duration_seconds_sum", none, poll, ns);
                            for (int b = bucketOf(ns); b < BUCKETS; b++) { // Prometheus's buckets are cumulative
                                add(out, "ebpf_tcp_connect_duration_seconds_bucket", labels("le", Integer.toString(b)),
                                        poll, 1);
                            }
                        }
                    }
                    case "ebpf.ThreadSyscalls" -> {
                        String syscall = e.getString("syscall");
                        var l = labels("thread_group", group(e), "syscall", syscall);
                        add(out, "ebpf_syscall_calls_total", l, poll, e.getLong("calls"));
                        add(out, "ebpf_syscall_errors_total", l, poll, e.getLong("errors"));
                        add(out, "ebpf_syscall_restarts_total", l, poll, e.getLong("restarts"));
                        add(out, "ebpf_syscall_time_seconds_total", l, poll, e.getLong("totalTime"));
                        add(out, "ebpf_syscall_duration_seconds_count", labels("syscall", syscall), poll, e.getLong("calls"));
                        add(out, "ebpf_syscall_duration_seconds_sum", labels("syscall", syscall), poll, e.getLong("totalTime"));
                    }
                    case "ebpf.ThreadSyscallErrors" -> add(out, "ebpf_syscall_errno_total",
                            labels("syscall", e.getString("syscall"), "errno", e.getString("errno")), poll, e.getLong("count"));
                    default -> {
                        // AgentStatistics, TcpConnection, SlowSyscall: no series of their own
                    }
                }
            }
            return out;
        }

        private static String group(RecordedEvent e) {
            return GROUPS.groupOf(e.getString("threadName"));
        }

        private static void add(Map<String, Map<Integer, Long>> out, String name, TreeMap<String, String> labels,
                                int poll, long amount) {
            out.computeIfAbsent(key(name, labels), k -> new HashMap<>()).merge(poll, amount, Long::sum);
        }
    }
}

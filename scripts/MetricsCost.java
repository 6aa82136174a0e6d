import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * What the agent's own threads cost in one recording of scripts/bench-metrics.sh: the poller's
 * on-CPU time (its own ebpf.ThreadScheduling events) and allocation (jdk.ThreadAllocationStatistics,
 * taken every second) per poll, over the steady part of the run (from the 3rd poll to the last
 * allocation sample before the exit); and the endpoint's threads (ebpf-agent-metrics-N, the JDK
 * server's HTTP-Dispatcher) over the whole run. With the log of scripts/OtlpSink.java as a second
 * argument, also the OTLP exporter's threads (ebpf-agent-otlp*, the JDK HTTP client's HttpClient-*)
 * over the same steady window, with the pushes the sink received in it, and their CPU before the
 * window (the SDK's loading and first pushes). Prints one line:
 * {@code polls pollerCpuNs pollerAllocBytes endpointCpuNs endpointAllocBytes
 * [otlpPushes otlpCpuNs otlpAllocBytes otlpCpuBeforeNs medianPushBytes]}.
 * Compile and run: {@code javac -d DIR scripts/MetricsCost.java && java -cp DIR MetricsCost rec.jfr [sink.log]}.
 */
public class MetricsCost {
    public static void main(String[] args) throws Exception {
        List<RecordedEvent> events = RecordingFile.readAllEvents(Path.of(args[0]));
        List<Instant> polls = new ArrayList<>();
        Map<String, List<RecordedEvent>> allocations = new HashMap<>();
        for (RecordedEvent e : events) {
            switch (e.getEventType().getName()) {
                case "ebpf.AgentStatistics" -> polls.add(e.getEndTime());
                case "jdk.ThreadAllocationStatistics" -> {
                    RecordedThread t = e.getThread("thread");
                    if (t != null && t.getJavaName() != null) {
                        allocations.computeIfAbsent(t.getJavaName(), k -> new ArrayList<>()).add(e);
                    }
                }
                default -> { }
            }
        }
        polls.sort(null);
        List<RecordedEvent> poller = allocations.get("ebpf-agent-poller");
        poller.sort((a, b) -> a.getEndTime().compareTo(b.getEndTime()));
        // The window: from the first allocation sample after the 3rd poll to the last sample.
        RecordedEvent first = poller.stream().filter(e -> e.getEndTime().isAfter(polls.get(2))).findFirst().orElseThrow();
        RecordedEvent last = poller.get(poller.size() - 1);
        Instant from = first.getEndTime();
        Instant to = last.getEndTime();
        long n = polls.stream().filter(t -> t.isAfter(from) && !t.isAfter(to)).count();
        long pollerAlloc = last.getLong("allocated") - first.getLong("allocated");
        long pollerCpu = 0;
        long endpointCpu = 0;
        for (RecordedEvent e : events) {
            if (!e.getEventType().getName().equals("ebpf.ThreadScheduling")) {
                continue;
            }
            String name = e.getString("threadName");
            if ("ebpf-agent-poller".equals(name) && e.getEndTime().isAfter(from) && !e.getEndTime().isAfter(to)) {
                pollerCpu += e.getLong("onCpu");
            } else if (name != null && (name.startsWith("ebpf-agent-metrics") || name.equals("HTTP-Dispatcher"))) {
                endpointCpu += e.getLong("onCpu");
            }
        }
        long endpointAlloc = 0;
        for (var entry : allocations.entrySet()) {
            String name = entry.getKey();
            if (name.startsWith("ebpf-agent-metrics") || name.equals("HTTP-Dispatcher")) {
                endpointAlloc += entry.getValue().stream().mapToLong(e -> e.getLong("allocated")).max().orElse(0);
            }
        }
        String otlp = "";
        if (args.length > 1) {
            otlp = " " + otlp(events, allocations, from, to, Path.of(args[1]));
        }
        System.out.println(n + " " + pollerCpu + " " + pollerAlloc + " " + endpointCpu + " " + endpointAlloc + otlp);
    }

    static boolean isOtlp(String thread) {
        return thread != null && (thread.startsWith("ebpf-agent-otlp") || thread.startsWith("HttpClient-"));
    }

    /** pushes, CPU and allocation of the exporter's threads in [from, to]; their CPU before; the median push's bytes. */
    static String otlp(List<RecordedEvent> events, Map<String, List<RecordedEvent>> allocations, Instant from, Instant to,
                       Path sinkLog) throws java.io.IOException {
        List<long[]> pushes = java.nio.file.Files.readAllLines(sinkLog).stream().map(l -> l.split(" "))
                .map(a -> new long[] {Long.parseLong(a[0]), Long.parseLong(a[1])}).toList();
        long inWindow = pushes.stream().filter(p -> p[0] > from.toEpochMilli() && p[0] <= to.toEpochMilli()).count();
        long[] sizes = pushes.stream().mapToLong(p -> p[1]).sorted().toArray();
        long cpu = 0;
        long before = 0;
        for (RecordedEvent e : events) {
            if (e.getEventType().getName().equals("ebpf.ThreadScheduling") && isOtlp(e.getString("threadName"))) {
                if (e.getEndTime().isAfter(from) && !e.getEndTime().isAfter(to)) {
                    cpu += e.getLong("onCpu");
                } else if (!e.getEndTime().isAfter(from)) {
                    before += e.getLong("onCpu");
                }
            }
        }
        long alloc = 0;
        for (var entry : allocations.entrySet()) {
            if (isOtlp(entry.getKey())) {
                alloc += allocatedBy(entry.getValue(), to) - allocatedBy(entry.getValue(), from);
            }
        }
        return inWindow + " " + cpu + " " + alloc + " " + before + " " + (sizes.length == 0 ? 0 : sizes[sizes.length / 2]);
    }

    /** A thread's allocation as of its last sample at or before {@code t} (0 before its first). */
    static long allocatedBy(List<RecordedEvent> samples, Instant t) {
        long a = 0;
        for (RecordedEvent e : samples) {
            if (!e.getEndTime().isAfter(t)) {
                a = Math.max(a, e.getLong("allocated"));
            }
        }
        return a;
    }
}

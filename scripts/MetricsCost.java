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
 * server's HTTP-Dispatcher) over the whole run. Prints one line:
 * {@code polls pollerCpuNs pollerAllocBytes endpointCpuNs endpointAllocBytes}.
 * Compile and run: {@code javac -d DIR scripts/MetricsCost.java && java -cp DIR MetricsCost rec.jfr}.
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
        System.out.println(n + " " + pollerCpu + " " + pollerAlloc + " " + endpointCpu + " " + endpointAlloc);
    }
}

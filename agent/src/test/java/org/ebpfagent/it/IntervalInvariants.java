package org.ebpfagent.it;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * What must hold for every interval event of a recording, whatever the workload: a thread is in
 * exactly one state at a time, so the time an event holds fits in its interval, and equals it
 * when the thread was tracked before and after (an event between two others of the same thread);
 * a thread's events never overlap; every ebpf.ThreadOffCpu event has the start and end of its
 * thread's ebpf.ThreadScheduling event of that interval, and its reasons add up to that event's
 * offCpu. The one exception: an interval a recording began in (given its start) may have lost
 * one of the pair to the chunk before the recording, as any two events committed a moment apart can.
 */
final class IntervalInvariants {
    /** The allowance for clock skew: 1% of the interval plus 1 ms. */
    static final double SHARE = 0.01;
    static final long SLACK_NS = 1_000_000;
    /**
     * For the equality: the probe's timestamps are the run queue's clock moved onto CLOCK_MONOTONIC
     * by an offset taken every 100 ms, good to some microseconds; an interval of half a millisecond
     * (a poll at a chunk's end right after a regular one) cannot be held to 1% of itself.
     */
    static final long CLOCK_NS = 100_000;
    /**
     * The agent's poller measures itself in the middle of a poll: its slot is copied while it runs
     * (projected as running up to the copy), and the rest of that poll lands in its next interval
     * by the scheduler's clock, which a hypervisor's steal makes fall short of the wall-clock
     * projection: seen once in seven suite runs, an interval 2.2 ms over and the next 1.2 ms short.
     * Its events are held to the upper bound with 5 ms more, and not to the equality.
     */
    static final String POLLER = "ebpf-agent-poller";
    static final long POLLER_SLACK_NS = 5_000_000;

    private IntervalInvariants() {}

    /** What was checked and what failed. */
    record Result(int schedEvents, int middleEvents, int offCpuEvents, double worstMiddleShare,
                  int unpairedAtStart, List<String> violations) {
        @Override
        public String toString() {
            return schedEvents + " ebpf.ThreadScheduling events (" + middleEvents + " between two others of "
                    + "their thread, worst |held - duration| " + String.format("%.3f%%", worstMiddleShare * 100)
                    + "), " + offCpuEvents + " ebpf.ThreadOffCpu events (" + unpairedAtStart
                    + " unpaired in the interval the recording began in); " + violations.size() + " violations"
                    + (violations.isEmpty() ? "" : ":\n  " + String.join("\n  ",
                    violations.subList(0, Math.min(40, violations.size()))));
        }
    }

    private record Key(long tid, Instant start, Instant end) {}

    /** @param recordingStart when the recording began, if it began while the agent was running; else null */
    static Result check(Path recording, Instant recordingStart) throws IOException {
        Map<Long, List<RecordedEvent>> byTid = new HashMap<>();
        Map<Key, RecordedEvent> schedByInterval = new HashMap<>();
        Map<Key, Long> reasonsByInterval = new HashMap<>();
        List<RecordedEvent> offCpu = new ArrayList<>();
        List<String> violations = new ArrayList<>();
        int sched = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            switch (e.getEventType().getName()) {
                case "ebpf.ThreadScheduling" -> {
                    sched++;
                    byTid.computeIfAbsent(e.getLong("tid"), k -> new ArrayList<>()).add(e);
                    Key key = new Key(e.getLong("tid"), e.getStartTime(), e.getEndTime());
                    if (schedByInterval.put(key, e) != null) {
                        violations.add("two ebpf.ThreadScheduling events for one thread and interval: " + describe(e));
                    }
                }
                case "ebpf.ThreadOffCpu" -> offCpu.add(e);
                default -> {
                    // other events are not interval reports
                }
            }
        }
        int middle = 0;
        double worst = 0;
        for (List<RecordedEvent> events : byTid.values()) {
            events.sort(Comparator.comparing(RecordedEvent::getStartTime));
            for (int i = 0; i < events.size(); i++) {
                RecordedEvent e = events.get(i);
                long duration = e.getDuration().toNanos();
                long held = held(e);
                if (duration <= 0) {
                    violations.add("an event of zero duration: " + describe(e));
                }
                boolean poller = POLLER.equals(e.getString("threadName"));
                if (held > duration * (1 + SHARE) + SLACK_NS + (poller ? POLLER_SLACK_NS : 0)) {
                    violations.add("holds more time than its interval: " + describe(e));
                }
                if (i > 0 && e.getStartTime().isBefore(events.get(i - 1).getEndTime())) {
                    violations.add("overlaps the thread's previous event (ending "
                            + events.get(i - 1).getEndTime() + "): " + describe(e));
                }
                if (i > 0 && i < events.size() - 1 && !poller) {
                    middle++;
                    double off = Math.abs(held - duration) / (double) duration;
                    worst = Math.max(worst, off);
                    if (Math.abs(held - duration) > duration * SHARE + CLOCK_NS) {
                        violations.add("tracked before and after, but holds not its interval (within 1% + 0.1 ms): "
                                + describe(e));
                    }
                }
            }
        }
        int unpaired = 0;
        for (RecordedEvent r : offCpu) {
            Key key = new Key(r.getLong("tid"), r.getStartTime(), r.getEndTime());
            boolean atTheStart = recordingStart != null && !r.getStartTime().isAfter(recordingStart)
                    && !r.getEndTime().isBefore(recordingStart);
            if (!schedByInterval.containsKey(key) && atTheStart) {
                unpaired++;
            } else if (!schedByInterval.containsKey(key)) {
                violations.add("ebpf.ThreadOffCpu with no ebpf.ThreadScheduling of the same thread, start and end: "
                        + r.getString("threadName") + " [" + r.getLong("tid") + "] " + r.getStartTime() + " +"
                        + r.getDuration().toNanos() + " ns");
            }
            reasonsByInterval.merge(key, r.getLong("offCpu"), Long::sum);
        }
        for (Map.Entry<Key, Long> entry : reasonsByInterval.entrySet()) {
            RecordedEvent s = schedByInterval.get(entry.getKey());
            if (s == null) {
                continue;
            }
            long offCpuNs = s.getLong("offCpu");
            if (Math.abs(entry.getValue() - offCpuNs) > offCpuNs * SHARE + SLACK_NS) {
                violations.add("its ebpf.ThreadOffCpu events add up to " + entry.getValue() / 1e6
                        + " ms of off-CPU: " + describe(s));
            }
        }
        return new Result(sched, middle, offCpu.size(), worst, unpaired, violations);
    }

    private static long held(RecordedEvent e) {
        // On-CPU time is the scheduler's charge (as schedstat gives it), which leaves out interrupts
        // and a hypervisor's steal; stolen holds those, so the sum is wall time as the waits are.
        return e.getLong("onCpu") + e.getLong("stolen") + e.getLong("runQueueWait") + e.getLong("offCpu");
    }

    private static String describe(RecordedEvent e) {
        return String.format("%s [%d] %s +%.3f ms holds %.3f ms (on-CPU %.3f, stolen %.3f, run-queue %.3f, off-CPU %.3f)",
                e.getString("threadName"), e.getLong("tid"), e.getStartTime(), e.getDuration().toNanos() / 1e6,
                held(e) / 1e6, e.getLong("onCpu") / 1e6, e.getLong("stolen") / 1e6, e.getLong("runQueueWait") / 1e6,
                e.getLong("offCpu") / 1e6);
    }
}

package org.ebpfagent.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.ebpfagent.agent.ffm.Linux;
import org.ebpfagent.it.workload.WaitWorkload;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the agent's start-up costs is benchmarked (scripts/bench-startup.sh), not timed here: on a
 * shared machine a time limit would fail on noise. These checks hold on a busy machine as on a
 * quiet one and fail when a change brings back a cost docs/performance.md ("Start-up") measured:
 * one downcall shape per C signature, the libbpf log upcall, a logging library, JFR's second
 * metadata write. And the agent's own figure for when its probes were attached is checked
 * against two clocks it does not use: the JVM's (its log's uptime) and the kernel's.
 */
class StartupIT {
    static final Pattern ATTACHED = Pattern.compile("(\\d+) ms after the JVM started");
    /** A line of the child JVM's log: {@code [1.234s][class,load] name source: ...}. */
    static final Pattern LOG_LINE = Pattern.compile("^\\[(\\d+\\.\\d+)s\\]\\[([\\w,]+) *\\] (.*)$");
    static final int NANOS_PER_TICK = 10_000_000; // USER_HZ 100: the unit of /proc/PID/stat's start time

    static String attached;
    static long seenAfterStartNanos;
    static List<String> jvmLog;

    @BeforeAll
    static void run() throws Exception {
        Path log = Files.createTempFile("ebpf-agent-startup", ".log");
        AgentRun.Running child = AgentRun.of(WaitWorkload.class)
                .jvmOption("-Xlog:class+load=info,jfr+startup=info,jfr+system=info:file=" + log + ":uptime,tags")
                .start();
        try {
            attached = child.awaitStderr("sched probe attached", Duration.ofSeconds(60));
            long now = Linux.bootTimeNanos();
            String stat = Files.readString(Path.of("/proc/" + child.pid() + "/stat"));
            long startTicks = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[22 - 3]);
            seenAfterStartNanos = now - startTicks * NANOS_PER_TICK;
            child.send("done");
        } finally {
            AgentRun.Result result = child.finish(Duration.ofSeconds(60));
            assertEquals(0, result.exitCode(), () -> String.join("\n", result.stderr()));
        }
        jvmLog = Files.readAllLines(log);
        Files.delete(log);
    }

    /**
     * The figure lies between the JVM's uptime when the agent attached its first program (it
     * loads BpfLink then) and how long the process had run when this test read the line (the
     * kernel's start time of the process and CLOCK_BOOTTIME, as the agent uses them, so the bound
     * is exact). The JVM's uptime counts from its own start, after the process's.
     */
    @Test
    void attachTimeLiesBetweenTheFirstAttachAndTheLine() {
        Matcher m = ATTACHED.matcher(attached);
        assertTrue(m.find(), attached);
        long reported = Long.parseLong(m.group(1));
        long firstAttach = uptimeMillis(line("class,load", "org.ebpfagent.agent.ffm.BpfLink "));
        long seen = seenAfterStartNanos / 1_000_000;
        System.out.println(attached + "\nfirst attach at JVM uptime " + firstAttach + " ms, line read "
                + seen + " ms after the process started");
        assertTrue(firstAttach <= reported, "reported " + reported + " ms, but the first program was attached at JVM uptime "
                + firstAttach + " ms");
        assertTrue(reported <= seen, "reported " + reported + " ms, but the line was read " + seen + " ms after the process started");
    }

    /**
     * Every C call goes through one shape, two with errno capture; libbpf's log makes no upcall.
     * The one upcall is JVMTI's ThreadStart, through which threads register as they start.
     */
    @Test
    void linksTwoDowncallShapesAndOneUpcall() {
        List<String> stubs = lines("class,load", "jdk.internal.foreign.abi.DowncallStub/");
        assertTrue(stubs.size() <= 2, "downcall stubs linked: " + stubs);
        assertTrue(lines("class,load", "jdk.internal.foreign.abi.UpcallStub/").size() <= 1, "upcall stubs");
    }

    /** Its own small log, and no class of the CLI's dependencies, while it starts. */
    @Test
    void loadsNoDependencyClasses() {
        assertEquals(List.of(), lines("class,load", "org.ebpfagent.shaded."));
        assertEquals(List.of(), lines("class,load", "slf4j"));
    }

    /**
     * JFR registers the agent's event classes before it starts the recording (premain loads them),
     * so it writes its metadata once, not again when the setup thread first uses them.
     */
    @Test
    void eventTypesAreRegisteredBeforeTheRecordingStarts() {
        int started = jvmLog.indexOf(line("jfr,startup", "Started recording"));
        for (String event : List.of("ThreadScheduling", "ThreadOffCpu", "AgentStatistics")) {
            String registered = line("jfr,system", "instrumentation", "org.ebpfagent.events." + event);
            assertTrue(jvmLog.indexOf(registered) < started, event + " registered after the recording started: "
                    + registered + "\n" + jvmLog.get(started));
        }
    }

    /** The JVM log lines with these tags that contain every text. */
    static List<String> lines(String tags, String... texts) {
        return jvmLog.stream().filter(l -> {
            Matcher m = LOG_LINE.matcher(l);
            if (!m.matches() || !m.group(2).equals(tags)) {
                return false;
            }
            for (String t : texts) {
                if (!m.group(3).contains(t)) {
                    return false;
                }
            }
            return true;
        }).toList();
    }

    static String line(String tags, String... texts) {
        List<String> found = lines(tags, texts);
        assertTrue(!found.isEmpty(), () -> "no [" + tags + "] line with " + List.of(texts) + " in the JVM's log");
        return found.get(0);
    }

    static long uptimeMillis(String logLine) {
        Matcher m = LOG_LINE.matcher(logLine);
        assertTrue(m.matches(), logLine);
        return Math.round(Double.parseDouble(m.group(1)) * 1000);
    }
}

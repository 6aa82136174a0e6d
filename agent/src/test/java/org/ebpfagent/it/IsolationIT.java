package org.ebpfagent.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import org.ebpfagent.it.Recordings.Totals;
import org.ebpfagent.it.workload.IsolationWorkload;
import org.ebpfagent.it.workload.Truth;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The probe is filtered in the kernel to the agent's own process: busy threads of another process,
 * running on the same CPUs all the while, never show up in the recording, and every thread that
 * does show up is one of the child's.
 */
class IsolationIT {
    static final int BUSY = 2;
    static final int SPINNERS = 2;
    static final long SPIN_MS = 1000;
    /** 40 x 10 ms: the sleeper lives through at least one poll, so the agent resolves its name. */
    static final int SLEEPS = 40;
    static final long SLEEP_MS = 10;

    static final List<Process> busy = new ArrayList<>();
    /** Every tid of the busy processes, read before and after (single-threaded shells: tid == pid). */
    static final Set<Long> busyTids = new TreeSet<>();
    static final Map<Long, Long> busyCpuBefore = new HashMap<>();
    static final Map<Long, Long> busyCpuAfter = new HashMap<>();
    /** Tids seen in /proc/CHILD/task at any time while the child ran, with their comm. */
    static final Map<Long, String> watched = new ConcurrentHashMap<>();

    static AgentRun.Result result;
    static List<RecordedEvent> events;
    static Map<Long, Totals> agent;
    static Map<String, Long> ownThreads;
    static Map<String, Truth> truths;
    static long exitedTid;
    static Set<Long> finalTasks;

    @BeforeAll
    static void run() throws Exception {
        for (int i = 0; i < BUSY; i++) {
            busy.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
        }
        for (Process p : busy) {
            for (long tid : tasks(p.pid())) {
                busyTids.add(tid);
            }
            assertEquals("sh", comm(p.pid(), p.pid()), "busy loop's comm");
            busyCpuBefore.put(p.pid(), onCpu(p.pid()));
        }
        assertTrue(busyTids.containsAll(busy.stream().map(Process::pid).toList()), "pids among the tids");

        AgentRun.Running child = AgentRun.of(IsolationWorkload.class)
                .args(String.valueOf(SPINNERS), String.valueOf(SPIN_MS), String.valueOf(SLEEPS), String.valueOf(SLEEP_MS))
                .agentOptions("interval=200ms")
                .start();
        Thread watcher = Thread.ofPlatform().daemon().start(() -> watch(child.pid()));
        child.awaitStderr("sched probe attached", Duration.ofSeconds(30));
        child.send("go");
        result = child.finish(Duration.ofSeconds(60));
        watcher.join(5000);
        for (Process p : busy) {
            assertTrue(p.isAlive(), "busy loop " + p.pid() + " ended early");
            busyCpuAfter.put(p.pid(), onCpu(p.pid()));
            for (long tid : tasks(p.pid())) {
                busyTids.add(tid);
            }
        }
        assertEquals(0, result.exitCode(), () -> "workload failed: " + result.stderr());

        ownThreads = new HashMap<>();
        truths = new HashMap<>();
        for (String l : result.stdout()) {
            if (l.startsWith("TRUTH ")) {
                Truth t = Truth.parse(l);
                truths.put(t.name(), t);
            } else if (l.startsWith("THREAD ")) {
                String[] f = l.split(" ");
                ownThreads.put(f[1].substring(5), Long.parseLong(f[2].substring(4)));
            } else if (l.startsWith("EXITED ")) {
                exitedTid = Long.parseLong(l.substring(l.indexOf('=') + 1));
            } else if (l.startsWith("TASKS ")) {
                finalTasks = Arrays.stream(l.substring(6).split(" ")).map(Long::valueOf).collect(Collectors.toSet());
            }
        }
        assertEquals(SPINNERS + 1, ownThreads.size(), () -> "THREAD lines: " + result.stdout());
        assertNotNull(finalTasks, () -> "no TASKS line: " + result.stdout());
        events = Recordings.events(result.recording(), "ebpf.ThreadScheduling");
        agent = Recordings.schedulingByTid(result.recording());
        System.out.println("busy tids " + busyTids + ", child tids at the end " + finalTasks.size()
                + ", seen by the watcher " + watched.size() + ", events " + events.size() + " for " + agent.size() + " tids");
    }

    @AfterAll
    static void stopBusyLoops() throws InterruptedException {
        for (Process p : busy) {
            p.destroyForcibly().waitFor();
        }
    }

    /** The busy loops ran on the same CPUs while the agent watched: the test is not vacuous. */
    @Test
    void busyLoopsRanAlongside() {
        for (Process p : busy) {
            long ran = busyCpuAfter.get(p.pid()) - busyCpuBefore.get(p.pid());
            assertTrue(ran > 500_000_000L, "busy loop " + p.pid() + " ran only " + ran / 1e6 + " ms during the child's run");
        }
    }

    @Test
    void busyThreadsOfAnotherProcessNeverAppear() {
        for (RecordedEvent e : events) {
            long tid = e.getLong("tid");
            assertFalse(busyTids.contains(tid), () -> "event for busy tid " + tid + ": " + e);
            assertFalse("sh".equals(e.getString("threadName")), () -> "event for a thread named sh: " + e);
        }
    }

    @Test
    void theWorkloadsOwnThreadsAppear() {
        ownThreads.forEach((name, tid) -> {
            Totals a = agent.get(tid);
            assertNotNull(a, () -> "no event for " + name + " tid " + tid);
            assertEquals(name, a.threadName, "threadName of tid " + tid);
            if (name.startsWith("iso-spinner-")) {
                // Its share of the CPUs depends on the busy loops and whatever else runs; the
                // kernel's own count for the thread does not.
                Truth truth = truths.get(name);
                assertNotNull(truth, () -> "no TRUTH line for " + name + ": " + result.stdout());
                SchedAccuracyIT.assertClose(name + " onCpu", truth.onCpu(), a.onCpu);
                SchedAccuracyIT.assertClose(name + " runQueueWait", truth.runQueueWait(), a.runQueueWait);
                assertTrue(a.involuntary > 0, name + " never preempted: " + a);
            } else {
                assertTrue(a.voluntary >= SLEEPS, name + " slept " + SLEEPS + " times: " + a);
            }
        });
        assertEquals(ownThreads.get("iso-sleeper"), exitedTid, "the sleeper's tid");
    }

    /**
     * Every tid in the recording is a thread of the child. Evidence, each independent of the agent:
     * threads alive at the end are in the workload's TASKS line (its own /proc/self/task); the
     * sleeper it let exit is in its EXITED line; a Java thread that came and went on its own (the
     * agent's setup thread, JFR's shutdown hook) is named by the event's javaThread, for which the
     * JVM itself records the OS thread id in the recording; any other thread (a JVM-internal one
     * that exited early) was seen by a watcher listing /proc/CHILD/task every millisecond. A tid of
     * another process is in none of these sets unless it took over the number of a child's thread
     * that had already exited, within this run of a few seconds (tids are handed out in increasing
     * order and come round again only after pid_max of them: 32768 here); so a pass shows the
     * property, and a native thread too short-lived for the watcher would make the test fail,
     * never pass wrongly. The busy loops' tids, which existed before the child, are checked exactly
     * by the test above.
     */
    @Test
    void everyTidIsAThreadOfTheChild() {
        Map<String, Integer> how = new TreeMap<>();
        for (RecordedEvent e : events) {
            long tid = e.getLong("tid");
            RecordedThread jt = e.getThread("javaThread");
            String evidence;
            if (finalTasks.contains(tid)) {
                evidence = "alive at the end";
            } else if (tid == exitedTid) {
                evidence = "exited, said the workload";
            } else if (jt != null && jt.getOSThreadId() == tid) {
                evidence = "exited, a Java thread of the child per JFR";
            } else if (watched.containsKey(tid)) {
                evidence = "exited, seen in /proc/CHILD/task";
            } else {
                throw new AssertionError("tid " + tid + " is not a thread of the child: " + e
                        + "\nstdout: " + result.stdout());
            }
            if (jt != null) {
                assertEquals(tid, jt.getOSThreadId(), () -> "javaThread's OS thread id, per JFR: " + e);
            }
            how.merge(evidence, 1, Integer::sum);
            if (!evidence.equals("alive at the end")) {
                System.out.println(evidence + ": tid " + tid + " " + e.getString("threadName"));
            }
        }
        System.out.println("events by evidence: " + how);
    }

    private static void watch(long pid) {
        Path task = Path.of("/proc/" + pid + "/task");
        while (Files.isDirectory(task)) {
            try (Stream<Path> s = Files.list(task)) {
                s.forEach(p -> {
                    long tid = Long.parseLong(p.getFileName().toString());
                    watched.computeIfAbsent(tid, t -> comm(pid, t));
                });
            } catch (IOException | UncheckedIOException e) {
                // the child or one of its threads went away during the listing
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    static long[] tasks(long pid) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return s.mapToLong(p -> Long.parseLong(p.getFileName().toString())).toArray();
        }
    }

    static String comm(long pid, long tid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/task/" + tid + "/comm")).strip();
        } catch (IOException e) {
            return "?"; // gone
        }
    }

    /** Nanoseconds on CPU of a single-threaded process, from /proc/PID/schedstat. */
    static long onCpu(long pid) throws IOException {
        return Long.parseLong(Files.readString(Path.of("/proc/" + pid + "/schedstat")).trim().split("\\s+")[0]);
    }
}

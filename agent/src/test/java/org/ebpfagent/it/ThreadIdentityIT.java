package org.ebpfagent.it;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import org.ebpfagent.it.workload.IdentityWorkload;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Events name the right java.lang.Thread: pre-existing, renamed, subclassed, and none for JVM threads. */
class ThreadIdentityIT {
    static List<RecordedEvent> events;
    static Map<String, Long> tids = new HashMap<>();

    @BeforeAll
    static void run() throws Exception {
        // Shielded: the subclassed thread lives about 350 ms, which holds a poll (every 200 ms) only
        // if the poller gets a CPU on time; at load 20 on 2 CPUs it did not, in 2 of 2 runs.
        AgentRun.Running child = AgentRun.of(IdentityWorkload.class).agentOptions("interval=200ms")
                .withCpusToSpare().start();
        child.awaitStderr("sched probe attached", Duration.ofSeconds(30));
        child.send("go");
        AgentRun.Result result = child.finish(Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), () -> String.join("\n", result.stderr()));
        for (String line : result.stdout()) {
            if (line.startsWith("ID ")) {
                String[] f = line.split(" ");
                tids.put(f[1].substring(5), Long.parseLong(f[2].substring(4)));
            }
        }
        assertEquals(3, tids.size(), () -> "workload output: " + result.stdout());
        events = Recordings.events(result.recording(), "ebpf.ThreadScheduling");
    }

    private static List<RecordedEvent> eventsOf(String name) {
        long tid = tids.get(name);
        List<RecordedEvent> list = events.stream().filter(e -> e.getLong("tid") == tid).toList();
        assertFalse(list.isEmpty(), "no events for " + name + " (tid " + tid + ")");
        return list;
    }

    @Test
    void mainThreadStartedBeforeTheAgentIsNamed() {
        for (RecordedEvent e : eventsOf("main")) {
            RecordedThread t = e.getThread("javaThread");
            assertNotNull(t, "main thread event without javaThread");
            assertEquals("main", t.getJavaName());
            assertEquals(tids.get("main"), t.getOSThreadId(), "JFR's own osThreadId for the thread must equal the event's tid");
        }
    }

    @Test
    void subclassOverridingRunIsNamed() {
        for (RecordedEvent e : eventsOf("subclassed")) {
            assertNotNull(e.getThread("javaThread"));
            assertEquals("subclassed", e.getThread("javaThread").getJavaName());
            assertEquals("subclassed", e.getString("threadName"));
        }
    }

    /** The same Thread before and after setName; threadName follows the rename, in order. */
    @Test
    void renamedThreadKeepsItsIdentityAndShowsItsNewName() {
        List<RecordedEvent> list = eventsOf("after-rename");
        Set<Long> javaIds = list.stream().map(e -> e.getThread("javaThread").getJavaThreadId()).collect(Collectors.toSet());
        assertEquals(1, javaIds.size(), "one java.lang.Thread behind the tid");
        List<String> names = list.stream().map(e -> e.getString("threadName")).toList();
        assertEquals("before-rename", names.get(0), names.toString());
        assertEquals("after-rename", names.get(names.size() - 1), names.toString());
        int switched = names.indexOf("after-rename");
        assertTrue(names.subList(switched, names.size()).stream().allMatch("after-rename"::equals), names.toString());
    }

    /** GC and JIT threads have no java.lang.Thread: they are reported with their OS name. */
    @Test
    void jvmInternalThreadsCarryTheirOsName() {
        List<RecordedEvent> internal = events.stream().filter(e -> e.getThread("javaThread") == null).toList();
        assertFalse(internal.isEmpty(), "no event for a JVM-internal thread");
        Set<String> names = internal.stream().map(e -> e.getString("threadName")).collect(Collectors.toSet());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("C1 Compiler") || n.startsWith("C2 Compiler")
                || n.startsWith("GC Thread") || n.equals("VM Thread")), names.toString());
        assertFalse(names.contains("main") || names.contains("subclassed"), names.toString());
    }
}

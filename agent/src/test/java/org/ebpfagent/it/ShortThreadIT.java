package org.ebpfagent.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import org.ebpfagent.it.workload.ShortThreadWorkload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads that start and end between two polls keep their Java identity: 300 threads living
 * 20 ms each, ten at a time, with a 1 s poll interval (so nearly all of them are gone before any
 * poll sees them); every one must have events, and every event must name its java.lang.Thread
 * (name and Java thread id as the thread itself printed them).
 */
class ShortThreadIT {

    @Test
    void everyThreadLivingTwentyMillisecondsIsNamed() throws Exception {
        AgentRun.Running child = AgentRun.of(ShortThreadWorkload.class).agentOptions("interval=1s,log=debug")
                .args("30", "10", "20").start();
        child.awaitStderr("thread starts watched", Duration.ofSeconds(60));
        child.send("go");
        AgentRun.Result result = child.finish(Duration.ofSeconds(90));
        assertEquals(0, result.exitCode(), () -> String.join("\n", result.stderr()));

        record Expected(String name, long tid, long javaId) {}
        List<Expected> threads = new ArrayList<>();
        for (String line : result.stdout()) {
            if (line.startsWith("SHORT ")) {
                String[] f = line.split(" ");
                threads.add(new Expected(f[1].substring(5), Long.parseLong(f[2].substring(4)),
                        Long.parseLong(f[3].substring(7))));
            }
        }
        assertEquals(300, threads.size(), () -> "workload output: " + result.stdout());

        Map<Long, List<RecordedEvent>> byTid = new HashMap<>();
        for (RecordedEvent e : Recordings.events(result.recording(), "ebpf.ThreadScheduling")) {
            byTid.computeIfAbsent(e.getLong("tid"), k -> new ArrayList<>()).add(e);
        }
        List<String> unnamed = new ArrayList<>();
        int events = 0;
        for (Expected t : threads) {
            // A tid may have served several of the threads (the kernel reuses them): match by name too.
            List<RecordedEvent> mine = byTid.getOrDefault(t.tid(), List.of()).stream()
                    .filter(e -> e.getString("threadName").equals(t.name())
                            || e.getString("threadName").equals(t.name().substring(0, Math.min(15, t.name().length()))))
                    .toList();
            if (mine.isEmpty()) {
                unnamed.add(t.name() + " [" + t.tid() + "]: no event");
                continue;
            }
            for (RecordedEvent e : mine) {
                events++;
                RecordedThread jt = e.getThread("javaThread");
                if (jt == null || !t.name().equals(jt.getJavaName()) || jt.getJavaThreadId() != t.javaId()) {
                    unnamed.add(t.name() + " [" + t.tid() + "]: javaThread " + (jt == null ? "null"
                            : jt.getJavaName() + " #" + jt.getJavaThreadId()) + ", expected #" + t.javaId());
                }
            }
        }
        System.out.println("ShortThreadIT: " + threads.size() + " threads, " + events + " events, "
                + unnamed.size() + " without their Java identity");
        assertTrue(unnamed.isEmpty(), () -> unnamed.size() + " of " + threads.size()
                + " short threads were not named:\n  " + String.join("\n  ", unnamed));
    }
}

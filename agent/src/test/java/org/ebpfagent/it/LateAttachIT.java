package org.ebpfagent.it;

import java.time.Duration;
import java.util.List;

import jdk.jfr.consumer.RecordedEvent;
import org.ebpfagent.it.workload.LateAttachWorkload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attached to a running JVM through the Attach API (agentmain), the agent names threads that
 * were running long before it: the thread table is read, not threads' starts watched.
 */
class LateAttachIT {

    @Test
    void lateAttachNamesThreadsStartedBeforeTheAgent() throws Exception {
        AgentRun.Running child = AgentRun.of(LateAttachWorkload.class).withoutAgent()
                .jvmOption("-XX:+EnableDynamicAgentLoading")
                .start();
        child.awaitStdout("STARTED", Duration.ofSeconds(30));
        child.loadAgent("interval=200ms");
        child.awaitStderr("sched probe attached", Duration.ofSeconds(30));
        child.send("go");
        AgentRun.Result result = child.finish(Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), () -> String.join("\n", result.stderr()));
        List<RecordedEvent> events = Recordings.events(result.recording(), "ebpf.ThreadScheduling");
        for (String name : List.of("early-spinner-0", "early-spinner-1")) {
            List<RecordedEvent> mine = events.stream().filter(e -> e.getString("threadName").equals(name)).toList();
            assertTrue(!mine.isEmpty(), "no events for " + name);
            long onCpu = 0;
            for (RecordedEvent e : mine) {
                assertNotNull(e.getThread("javaThread"), name + " has no javaThread");
                assertEquals(name, e.getThread("javaThread").getJavaName());
                onCpu += e.getLong("onCpu") + e.getLong("runQueueWait");
            }
            // It spun 1 s after "go", runnable all along (on a CPU or waiting for one).
            assertTrue(onCpu >= 900_000_000L, name + " on-CPU + run-queue wait " + onCpu / 1e6 + " ms");
        }
    }
}

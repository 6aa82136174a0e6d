package org.ebpfagent.it;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.ebpfagent.it.Recordings.Totals;
import org.ebpfagent.it.workload.SchedWorkload;
import org.ebpfagent.it.workload.Truth;
import org.junit.jupiter.api.Test;

import static org.ebpfagent.it.SchedAccuracyIT.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The raw_tp fallback (for kernels without tp_btf) measures the same as the tp_btf programs: the
 * same logic compiled with helper reads instead of direct loads, checked against /proc.
 */
class RawTracepointIT {

    @Test
    void rawTracepointProgramsMatchTheKernelToo() throws Exception {
        AgentRun.Running child = AgentRun.of(SchedWorkload.class)
                // 4 spinners on 2 cores: run-queue waits long enough for a 5% comparison to mean something
                .args("4", "1000", "1", "20", "10", "2", "500", "0")
                .agentOptions("attach=raw_tp,interval=500ms")
                .start();
        String attached = child.awaitStderr("sched probe attached", Duration.ofSeconds(30));
        assertTrue(attached.contains("raw_tp"), attached);
        child.send("go");
        AgentRun.Result result = child.finish(Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), () -> String.join("\n", result.stderr()));
        List<Truth> truths = result.stdout().stream().filter(l -> l.startsWith("TRUTH ")).map(Truth::parse).toList();
        assertEquals(6, truths.size(), () -> "truth lines: " + result.stdout());
        Map<Long, Totals> agent = Recordings.schedulingByTid(result.recording());
        for (Truth t : truths) {
            Totals a = agent.get((long) t.tid());
            assertNotNull(a, "no event for " + t.name());
            assertEquals(t.name(), a.javaThreadName);
            assertClose(t.name() + " onCpu", t.onCpu(), a.onCpu);
            assertClose(t.name() + " runQueueWait", t.runQueueWait(), a.runQueueWait);
            assertEquals(t.voluntary(), a.voluntary, t.name() + " voluntary switches");
            assertEquals(t.involuntary(), a.involuntary, t.name() + " involuntary switches");
            assertEquals(t.migrations(), a.migrations, t.name() + " migrations");
        }
    }
}

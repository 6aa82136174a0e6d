package org.ebpfagent.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.ebpfagent.it.workload.CompareWorkload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One recorded run of {@link CompareWorkload}: spinners, optionally crowded by CPU hogs, under the
 * agent, shielded from the rest of the machine so that the only crowd is its own, with how much
 * CPU the rest of the machine used meanwhile (the workload measures it; printed for the record).
 */
record CrowdRun(Path file, long othersMs, long wallMs) {

    static CrowdRun record(int spinners, int hogs, String spinMillis, String agentOptions) throws Exception {
        AgentRun.Running child = AgentRun.of(CompareWorkload.class)
                .args(String.valueOf(spinners), String.valueOf(hogs), spinMillis)
                .agentOptions(agentOptions)
                // C1 only: in a 1.5 s run the C2 compiler's bursts (JFR's and the agent's code
                // warming up) were 6-19% of the process's CPU at random moments, and moved the
                // spinners' wait share by up to 7 points between identical runs; with C1 alone, under 1.
                .jvmOption("-XX:TieredStopAtLevel=1")
                .withCpusToSpare()
                .start();
        child.awaitStderr("sched probe attached", Duration.ofSeconds(30));
        child.send("go");
        AgentRun.Result result = child.finish(Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), () -> "workload failed: " + result.stderr());
        Matcher m = Pattern.compile("OTHERS cpuMs=(-?\\d+) wallMs=(\\d+)").matcher(String.join("\n", result.stdout()));
        assertTrue(m.find(), () -> "no OTHERS line: " + result.stdout());
        // Other processes' CPU is the machine's minus this process's, read at two moments: a few
        // ticks below zero when the machine was idle.
        CrowdRun run = new CrowdRun(result.recording(), Math.max(0, Long.parseLong(m.group(1))), Long.parseLong(m.group(2)));
        System.out.println(spinners + " spinners, " + hogs + " hogs: other processes used " + run.othersMs + " ms of CPU in "
                + run.wallMs + " ms");
        return run;
    }
}

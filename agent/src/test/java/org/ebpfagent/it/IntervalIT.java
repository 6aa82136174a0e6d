package org.ebpfagent.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.ebpfagent.it.workload.LateAttachWorkload;
import org.ebpfagent.it.workload.SaturatingWorkload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every interval event of whole recordings against the invariants of {@link IntervalInvariants}:
 * an application that saturates the CPUs from its first moment (threads' first intervals are
 * where the agent used to put more time than the interval held), with either program flavour;
 * a recording that starts while the agent has long been running; and a late attach.
 */
class IntervalIT {

    @Test
    void everyEventFitsItsIntervalWhenTheCpusAreSaturatedFromTheStart() throws Exception {
        Path second = Files.createTempDirectory("ebpf-agent-it").resolve("late.jfr");
        AgentRun.Result result = run(AgentRun.of(SaturatingWorkload.class).agentOptions("interval=200ms")
                .args("3000", second.toString()));
        assertHolds(result.recording(), null, 50);
        // A recording begun 1.5 s into the run: its first events are intervals the agent began
        // before it; they hold their own time only.
        String late = result.stdout().stream().filter(l -> l.startsWith("LATE ")).findFirst().orElseThrow();
        long epochNanos = Long.parseLong(late.substring(5));
        assertHolds(second, Instant.ofEpochSecond(0, epochNanos), 20);
    }

    @Test
    void everyEventFitsItsIntervalWithRawTracepoints() throws Exception {
        AgentRun.Result result = run(AgentRun.of(SaturatingWorkload.class)
                .agentOptions("interval=200ms,attach=raw_tp").args("2000"));
        assertHolds(result.recording(), null, 30);
    }

    @Test
    void everyEventFitsItsIntervalAfterALateAttach() throws Exception {
        AgentRun.Running child = AgentRun.of(LateAttachWorkload.class).withoutAgent()
                .jvmOption("-XX:+EnableDynamicAgentLoading")
                .start();
        child.awaitStdout("STARTED", Duration.ofSeconds(30));
        child.loadAgent("interval=100ms");
        child.awaitStderr("sched probe attached", Duration.ofSeconds(30));
        Thread.sleep(300); // threads spinning since long before the agent, then seen by it
        child.send("go");
        AgentRun.Result result = child.finish(Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), () -> String.join("\n", result.stderr()));
        assertHolds(result.recording(), null, 10);
    }

    /** Runs the workload once the agent is attached: its spinners have been spinning since before. */
    private static AgentRun.Result run(AgentRun run) throws Exception {
        AgentRun.Running child = run.start();
        child.awaitStderr("sched probe attached", Duration.ofSeconds(60));
        child.send("go");
        AgentRun.Result result = child.finish(Duration.ofSeconds(90));
        assertEquals(0, result.exitCode(), () -> String.join("\n", result.stderr()));
        return result;
    }

    private static void assertHolds(Path recording, Instant recordingStart, int minMiddleEvents) throws Exception {
        IntervalInvariants.Result r = IntervalInvariants.check(recording, recordingStart);
        System.out.println("IntervalIT " + recording.getFileName() + ": " + r);
        assertTrue(r.violations().isEmpty(), r::toString);
        assertTrue(r.middleEvents() >= minMiddleEvents, "too few events to judge: " + r);
    }
}

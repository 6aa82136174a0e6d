package org.ebpfagent.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;

import jdk.jfr.consumer.RecordedEvent;
import org.ebpfagent.it.Recordings.Totals;
import org.ebpfagent.it.workload.RecordLaterWorkload;
import org.ebpfagent.it.workload.Truth;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A service started with the agent and no recording, one started later (as {@code jcmd JFR.start}
 * does): until then the agent loads none of its JFR event classes and JFR stays as the JVM left it
 * (setting it up is ~0.4 s of CPU: docs/performance.md, "Start-up"), while it polls all the same
 * (its metrics count the polls); from the recording's start the events come, and a thread that
 * lived inside the recording has its whole on-CPU time in it, as the kernel counted it: also one
 * likely over before the agent's first poll with events, and every connection opened as the
 * recording began. (A race between JFR's start and the agent's, where the first poll with events
 * dropped what it read, showed in the tests whose recording starts with the JVM: SyscallIT,
 * TcpIT, SyscallFlavoursIT; here the agent meets JFR when the recording object is made, before
 * anything is measured, so this test would not have caught it.)
 */
class RecordLaterIT {

    @Test
    void noEventClassUntilARecordingStartsThenTheEventsAreExact() throws Exception {
        Path dir = Files.createTempDirectory("ebpf-agent-it");
        Path classLog = dir.resolve("class-load.log");
        Path recording = dir.resolve("later.jfr");
        // Shielded like SchedAccuracyIT, whose oracle this shares. (Beside a busy loop on both CPUs,
        // unshielded, the 1.5 s spinner once had 63 ms of its on-CPU time reported as run-queue
        // wait: probably a switch-in the kernel did not report, read since as running: UnseenSwitchInIT.)
        AgentRun.Running child = AgentRun.of(RecordLaterWorkload.class).withoutRecording().withCpusToSpare()
                .agentOptions("probes=sched+tcp,metrics=0,interval=200ms")
                .jvmOption("-Xlog:class+load=info:file=" + classLog)
                .start();
        List<String> loadedBefore;
        String jfrUp;
        AgentRun.Result result;
        try {
            Matcher url = MetricsEndpointIT.ENDPOINT.matcher(child.awaitStderr("metrics: Prometheus endpoint on", Duration.ofSeconds(60)));
            assertTrue(url.find());
            child.awaitStderr("tcp probe attached", Duration.ofSeconds(60));
            awaitPolls(url.group(1), 5, Duration.ofSeconds(60));
            child.send("check");
            jfrUp = child.awaitStdout("JFR-UP", Duration.ofSeconds(60));
            loadedBefore = Files.readAllLines(classLog).stream().filter(l -> l.contains(" org.ebpfagent.events.")).toList();
            child.send("record " + AgentRun.JFC + " " + recording);
            child.awaitStdout("RECORDED", Duration.ofSeconds(60));
            child.send("done");
        } finally {
            result = child.finish(Duration.ofSeconds(60));
        }
        assertEquals(0, result.exitCode(), String.join("\n", result.stderr()));
        assertEquals("JFR-UP false", jfrUp, "JFR set up before any recording");
        assertEquals(List.of(), loadedBefore, "event classes loaded before any recording");
        assertFalse(result.agentLines().stream().anyMatch(l -> l.contains("WARN")), String.join("\n", result.agentLines()));

        List<Truth> truths = result.stdout().stream().filter(l -> l.startsWith("TRUTH ")).map(Truth::parse).toList();
        assertEquals(List.of("early-spinner", "late-spinner"), truths.stream().map(Truth::name).toList());
        var byTid = Recordings.schedulingByTid(recording);
        for (Truth truth : truths) {
            Totals agent = byTid.get((long) truth.tid());
            System.out.println(truth.line() + "\n  agent: " + agent);
            assertNotNull(agent, "no ebpf.ThreadScheduling of " + truth.name() + ", started inside the recording");
            assertEquals(truth.name(), agent.javaThreadName);
            SchedAccuracyIT.assertClose(truth.name() + " onCpu", truth.onCpu(), agent.onCpu);
            // A switch-in the kernel did not report once made a spin read as 380 ms of waiting.
            SchedAccuracyIT.assertClose(truth.name() + " runQueueWait", truth.runQueueWait(), agent.runQueueWait);
        }
        // The early connections, made as the recording began: every one, established, on its thread.
        List<RecordedEvent> connects = Recordings.events(recording, "ebpf.TcpConnect").stream()
                .filter(e -> "early-connector".equals(e.getString("threadName"))).toList();
        assertEquals(RecordLaterWorkload.CONNECTS, connects.size(), "connects of early-connector: " + connects);
        assertTrue(connects.stream().allMatch(e -> "established".equals(e.getString("result"))), connects.toString());
        assertTrue(Recordings.events(recording, "ebpf.AgentStatistics").size() >= 2, "the agent's polls in the recording");
    }

    static void awaitPolls(String url, long polls, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String scrape = MetricsEndpointIT.awaitScrape(url, "ebpf_agent_polls_total", timeout);
            if (MetricsEndpointIT.value(scrape, "ebpf_agent_polls_total") >= polls) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "fewer than " + polls + " polls within " + timeout);
            Thread.sleep(100);
        }
    }
}

package org.ebpfagent.agent.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import javax.xml.parsers.DocumentBuilderFactory;

import jdk.jfr.Recording;
import org.ebpfagent.events.AgentStatistics;
import org.ebpfagent.events.ThreadScheduling;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compare command end to end through Main, on real recordings: this JVM commits the agent's
 * event classes into a JFR recording of its own, with chosen numbers, and dumps it.
 */
class CompareTest {
    @TempDir
    static Path dir;
    static Path base;
    static Path head;

    @BeforeAll
    static void record() throws Exception {
        base = record("base.jfr", 900, 100);  // spinners wait 10% of their runnable time
        head = record("head.jfr", 400, 600);  // ... and 60%
    }

    static Path record(String name, long onCpuMs, long runQueueMs) throws Exception {
        return record(name, onCpuMs, runQueueMs, 0, 0);
    }

    /**
     * Two spinners and an idle JVM thread, one poll interval; the spinners' on-CPU and run-queue ms
     * given, and a Java thread "loader" with its own (none when both are 0).
     */
    static Path record(String name, long onCpuMs, long runQueueMs, long loaderOnCpuMs, long loaderRunQueueMs) throws Exception {
        Path file = dir.resolve(name);
        try (Recording r = new Recording()) {
            r.enable("ebpf.ThreadScheduling");
            r.enable("ebpf.AgentStatistics");
            r.start();
            AgentStatistics poll = new AgentStatistics();
            poll.begin();
            for (int i = 0; i < 2; i++) {
                commit("spinner-" + i, 100 + i, onCpuMs, runQueueMs, 0);
            }
            commit("VM Thread", 99, 1, 0, 1000);
            if (loaderOnCpuMs + loaderRunQueueMs > 0) {
                commit("loader", 98, loaderOnCpuMs, loaderRunQueueMs, 0);
            }
            Thread.sleep(10);
            poll.end();
            poll.commit();
            r.stop();
            r.dump(file);
        }
        return file;
    }

    static void commit(String thread, long tid, long onCpuMs, long runQueueMs, long offCpuMs) {
        ThreadScheduling e = new ThreadScheduling();
        e.begin();
        e.javaThread = thread.equals("VM Thread") ? null : Thread.currentThread();
        e.threadName = thread;
        e.tid = tid;
        e.onCpu = onCpuMs * 1_000_000;
        e.runQueueWait = runQueueMs * 1_000_000;
        e.offCpu = offCpuMs * 1_000_000;
        e.involuntarySwitches = runQueueMs;
        e.end();
        e.commit();
    }

    record Run(int exit, String out, String err) {}

    static Run run(Object... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] a = Arrays.stream(args).map(String::valueOf).toArray(String[]::new);
        int exit = Main.run(a, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        Run r = new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        assertFalse(r.err.contains("\tat "), "a stack trace: " + r.err);
        return r;
    }

    @Test
    void aRiseOverTheLimitExitsFourAndNamesTheGroup() {
        Run r = run("compare", base, head, "--fail-on", "waitShare=+10pp");
        assertEquals(4, r.exit, r.out + r.err);
        assertTrue(r.out.contains("\n  spinner-# waitShare 10.0 -> 60.0 % (+50.0pp), limit +10pp\n"), r.out);
        assertTrue(r.out.startsWith("ebpf-agent compare: REGRESSION, 2 of 3 gated checks over their limit\n"), r.out);
        assertTrue(r.out.contains("*VM Thread [1/1]"), "a JVM-internal group is marked: " + r.out);
    }

    @Test
    void theSameRecordingTwiceOrAFallPasses() {
        assertEquals(0, run("compare", base, base, "--fail-on", "waitShare=+10pp,runQueueWait=+0%").exit);
        Run r = run("compare", head, base, "--fail-on=waitShare=+10pp");
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.startsWith("ebpf-agent compare: no regression, 3 gated checks\n"), r.out);
    }

    @Test
    void withoutLimitsItOnlyReports() {
        Run r = run("compare", base, head);
        assertEquals(0, r.exit);
        assertTrue(r.out.startsWith("ebpf-agent compare: no thresholds given (--fail-on), report only\n"), r.out);
    }

    @Test
    void aHighFloorExemptsTheGroupsButNeverTheProcess() {
        Run r = run("compare", base, head, "--fail-on", "waitShare=+10pp", "--min-share", "100%");
        assertEquals(4, r.exit);
        assertTrue(r.out.contains("\n  (process) waitShare"), r.out);
        assertFalse(r.out.contains("\n  spinner-# waitShare"), r.out);
    }

    /**
     * A thread under the floor in one run and over it in the other: its runnable time is judged
     * (it grew), its wait share is not (a share of 40 ms is noise). The spinners' 2,000 ms
     * runnable put the loader's 40 ms at 2% in base, its 300 ms at 13% in head.
     */
    @Test
    void aShareIsJudgedOnlyWhenBothRunsHoldTheFloorASumWhenEitherDoes() throws Exception {
        Path small = record("loader-small.jfr", 900, 100, 30, 10);   // waitShare 25%
        Path large = record("loader-large.jfr", 900, 100, 60, 240);  // waitShare 80%, run-queue wait x24
        Run share = run("compare", small, large, "--fail-on", "waitShare=+10pp");
        assertEquals(0, share.exit, share.out);
        assertTrue(share.out.matches("(?s).*\\s+waitShare %\\s+25\\.0\\s+80\\.0\\s+\\+55\\.0pp\\s+\\S+\\s+floor\\n.*"), share.out);
        Run sum = run("compare", small, large, "--fail-on", "runQueueWait=+50%");
        assertEquals(4, sum.exit, sum.out);
        assertTrue(sum.out.contains("\n  loader runQueueWait "), sum.out);
        // Over the floor in both runs, the same rise fails the gate.
        Path grown = record("loader-grown.jfr", 900, 100, 200, 50);  // waitShare 20%, 12% of runnable
        Path worse = record("loader-worse.jfr", 900, 100, 60, 240);
        assertEquals(4, run("compare", grown, worse, "--fail-on", "waitShare=+10pp").exit);
    }

    @Test
    void groupRulesRenameTheRows() {
        Run r = run("compare", base, head, "--group", "spinner-\\d+=spinners", "--fail-on", "waitShare=+10pp");
        assertTrue(r.out.contains("\n  spinners waitShare"), r.out);
    }

    @Test
    void theReportGoesToTheFileAndTheVerdictToStdout() throws Exception {
        Path md = dir.resolve("report.md");
        Run r = run("compare", base, head, "--fail-on", "waitShare=+10pp", "--format", "markdown", "-o", md);
        assertEquals(4, r.exit);
        assertTrue(r.out.startsWith("ebpf-agent compare: REGRESSION"), r.out);
        String report = Files.readString(md);
        assertTrue(report.startsWith("### ebpf-agent compare: REGRESSION"), report);
        assertTrue(report.contains("| `spinner-#` waitShare % | 10.0 | 60.0 | **+50.0pp** | +10pp |"), report);

        Path xml = dir.resolve("report.xml");
        assertEquals(4, run("compare", base, head, "--fail-on", "waitShare=+10pp", "--format=junit", "--output=" + xml).exit);
        assertEquals(2, DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile())
                .getElementsByTagName("failure").getLength());
    }

    @Test
    void aRecordingWithoutEbpfEventsExitsOne() throws Exception {
        Path plain = dir.resolve("plain.jfr");
        try (Recording r = new Recording()) {
            r.enable("jdk.JavaMonitorWait");
            r.start();
            r.stop();
            r.dump(plain);
        }
        Run r = run("compare", base, plain);
        assertEquals(1, r.exit);
        assertTrue(r.err.contains(plain + " holds no ebpf.ThreadScheduling events"), r.err);
    }

    @Test
    void unreadableFilesExitThree() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.jfr"), "not a recording\n");
        byte[] whole = Files.readAllBytes(base);
        Path truncated = Files.write(dir.resolve("truncated.jfr"), Arrays.copyOf(whole, whole.length / 2));
        for (Path bad : new Path[] {dir.resolve("missing.jfr"), dir, text, truncated}) {
            Run r = run("compare", base, bad);
            assertEquals(3, r.exit, bad + ": " + r.out + r.err);
            assertTrue(r.err.startsWith("ebpf-agent: ") && r.err.contains(bad.toString()), r.err);
        }
        Run r = run("compare", base, head, "-o", dir.resolve("no/such/dir/report.txt"));
        assertEquals(3, r.exit);
        assertTrue(r.err.startsWith("ebpf-agent: cannot write "), r.err);
    }

    @Test
    void badArgumentsExitTwoWithOneReason() {
        String[][] cases = {
            {"compare"},
            {"compare", "a.jfr"},
            {"compare", "a.jfr", "b.jfr", "c.jfr"},
            {"compare", "a.jfr", "b.jfr", "--fail-on"},
            {"compare", "a.jfr", "b.jfr", "--fail-on", "cpu=+10%"},
            {"compare", "a.jfr", "b.jfr", "--format", "html"},
            {"compare", "a.jfr", "b.jfr", "--group", "(=x"},
            {"compare", "a.jfr", "b.jfr", "--min-share", "lots"},
            {"compare", "a.jfr", "b.jfr", "--verbose"},
        };
        for (String[] c : cases) {
            Run r = run((Object[]) c);
            assertEquals(2, r.exit, String.join(" ", c));
            assertTrue(r.err.startsWith("ebpf-agent compare: "), r.err);
            assertTrue(r.err.endsWith("(java -jar ebpf-agent.jar compare --help for usage)" + System.lineSeparator()), r.err);
        }
    }

    @Test
    void helpNamesTheCommandAndItsExitCodes() {
        Run r = run("compare", "--help");
        assertEquals(0, r.exit);
        assertTrue(r.out.contains("--fail-on M=+N%") && r.out.contains("4 regression"), r.out);
        assertTrue(run("--help").out.contains("compare BASE.jfr HEAD.jfr"));
        assertTrue(run("bogus").err.contains("(accepted: report, flame, compare)"));
    }
}

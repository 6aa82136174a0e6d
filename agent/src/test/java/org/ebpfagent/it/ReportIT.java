package org.ebpfagent.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jdk.jfr.consumer.RecordedEvent;
import org.ebpfagent.it.workload.OffCpuWorkload;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report and flame commands on a real recording of a workload with known blocking (a thread
 * that blocks in read(2) 40 times, a sleeper): each format names the threads and the reasons, and
 * its figures are those of the recording, read independently with jdk.jfr.consumer.
 */
class ReportIT {
    static final int READS = 40;
    static final long GAP_MS = 25;
    static final Path OUT = Path.of("target/report-it");

    static Path recording;
    static long readerTid;
    /** The reader's ebpf.ThreadOffCpu "read" time and blocks, and its ebpf.ThreadScheduling totals, from the recording. */
    static long readNs;
    static long readBlocks;
    static Map<String, Long> readerScheduling = new HashMap<>();

    @BeforeAll
    static void record() throws Exception {
        Files.createDirectories(OUT);
        AgentRun.Running child = AgentRun.of(OffCpuWorkload.class)
                .args(String.valueOf(READS), String.valueOf(GAP_MS), "20", "10")
                .agentOptions("interval=300ms")
                .start();
        AgentRun.Result result;
        try {
            child.awaitStderr("sched probe attached", Duration.ofSeconds(30));
            child.send("go");
            child.awaitStdout("DONE", Duration.ofSeconds(60));
            Thread.sleep(700);
            child.send("exit");
        } finally {
            result = child.finish(Duration.ofSeconds(60));
        }
        assertEquals(0, result.exitCode(), () -> "workload failed: " + result.stderr());
        recording = OUT.resolve("offcpu.jfr");
        Files.copy(result.recording(), recording, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String reader = result.stdout().stream().filter(l -> l.startsWith("READER ")).findFirst().orElseThrow();
        readerTid = Long.parseLong(reader.split(" ")[1].substring(4));
        for (RecordedEvent e : Recordings.events(recording, "ebpf.ThreadOffCpu")) {
            if (e.getLong("tid") == readerTid && e.getString("syscall").equals("read")) {
                readNs += e.getLong("offCpu");
                readBlocks += e.getLong("blocks");
            }
        }
        for (RecordedEvent e : Recordings.events(recording, "ebpf.ThreadScheduling")) {
            if (e.getLong("tid") == readerTid) {
                for (String f : List.of("onCpu", "runQueueWait", "offCpu", "voluntarySwitches", "involuntarySwitches")) {
                    readerScheduling.merge(f, e.getLong(f), Long::sum);
                }
            }
        }
        assertEquals(READS, readBlocks, "the recording's read blocks");
    }

    @Test
    void textReportHasTheReaderRowWithItsFiguresAndTopReason() throws Exception {
        Cli c = Cli.run("report", recording.toString());
        assertEquals(0, c.exit(), c.err());
        Files.writeString(OUT.resolve("report.txt"), c.out());
        Matcher row = Pattern.compile("(?m)^pipe-reader \\[" + readerTid + "\\]\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)%"
                + "\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(.*)$").matcher(c.out());
        assertTrue(row.find(), "no pipe-reader row: " + c.out());
        assertEquals(readerScheduling.get("offCpu") / 1e6, Double.parseDouble(row.group(3)), 0.051, "off-CPU ms");
        assertEquals(readerScheduling.get("onCpu") / 1e6, Double.parseDouble(row.group(1)), 0.051, "on-CPU ms");
        assertEquals(readerScheduling.get("voluntarySwitches"), Long.parseLong(row.group(5)), "voluntary switches");
        long share = Math.round(100.0 * readNs / readerScheduling.get("offCpu"));
        assertTrue(row.group(8).startsWith("read " + share + "% (" + READS + ")"), "top reason: " + row.group(8));
        assertTrue(c.out().contains("off-CPU reasons: futex"), "process reasons line: " + c.out());
    }

    @Test
    void markdownReportIsATableWithTheReader() throws Exception {
        Cli c = Cli.run("report", recording.toString(), "--format", "markdown");
        assertEquals(0, c.exit(), c.err());
        Files.writeString(OUT.resolve("report.md"), c.out());
        assertTrue(c.out().contains("| thread | tid | on-CPU ms |"), c.out());
        assertTrue(c.out().matches("(?s).*\n\\| pipe-reader \\| " + readerTid + " \\| .*\\| read \\d+% \\(" + READS + "\\).*"), c.out());
    }

    @Test
    void jsonReportParsesAndCarriesTheExactNanoseconds() throws Exception {
        Path file = OUT.resolve("report.json");
        Cli c = Cli.run("report", recording.toString(), "--format=json", "-o", file.toString());
        assertEquals(0, c.exit(), c.err());
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        JsonNode reader = null;
        for (JsonNode t : root.get("threads")) {
            if (t.get("tid").asLong() == readerTid) {
                reader = t;
            }
        }
        assertNotNull(reader, "reader in " + root);
        assertEquals("pipe-reader", reader.get("name").asText());
        assertTrue(reader.get("javaThread").asBoolean());
        assertEquals((long) readerScheduling.get("offCpu"), reader.get("scheduling").get("offCpuNs").asLong());
        assertEquals((long) readerScheduling.get("runQueueWait"), reader.get("scheduling").get("runQueueWaitNs").asLong());
        JsonNode top = reader.get("offCpuReasons").get(0);
        assertEquals("read", top.get("syscall").asText());
        assertEquals("sleeping", top.get("waitKind").asText());
        assertEquals(readNs, top.get("offCpuNs").asLong());
        assertEquals(READS, top.get("blocks").asLong());
        assertEquals(0, root.get("agent").get("reasonsDropped").asLong());
        assertTrue(root.get("agent").get("polls").asLong() > 3);
        long unseen = Recordings.events(recording, "ebpf.AgentStatistics").stream()
                .mapToLong(e -> e.getLong("switchInsUnseen")).max().orElseThrow();
        assertEquals(unseen, root.get("agent").get("switchInsUnseen").asLong(), "the probe's last count, as the recording has it");
    }

    @Test
    void flameGraphNamesThreadsStatesAndReasons() throws Exception {
        Path html = OUT.resolve("flame.html");
        Cli c = Cli.run("flame", recording.toString(), "-o", html.toString());
        assertEquals(0, c.exit(), c.err());
        List<String> frames = framesOf(Files.readString(html));
        for (String name : List.of("pipe-reader", "pipe-writer", "sleeper", "main", "on-CPU", "run-queue wait", "off-CPU",
                "read", "futex")) {
            assertTrue(frames.contains(name), name + " not among the flame graph's frames " + frames);
        }
    }

    /** Collapsed stacks carry the recording's microseconds per thread, state and reason. */
    @Test
    void collapsedStacksCarryTheReadersTime() throws Exception {
        Cli c = Cli.run("flame", recording.toString(), "--format", "collapsed");
        assertEquals(0, c.exit(), c.err());
        Map<String, Long> stacks = new HashMap<>();
        for (String line : c.out().split("\n")) {
            int space = line.lastIndexOf(' ');
            stacks.put(line.substring(0, space), Long.parseLong(line.substring(space + 1)));
        }
        assertEquals(readNs / 1000, stacks.get("pipe-reader;off-CPU;read"), "reader's read µs: " + stacks);
        assertEquals(readerScheduling.get("onCpu") / 1000, stacks.get("pipe-reader;on-CPU"), "reader's on-CPU µs");
        assertTrue(readNs >= READS * GAP_MS * 1_000_000 * 0.98, "read off-CPU " + readNs + " ns");
    }

    @Test
    void flameKeepsOnlyTheThreadsAsked() throws Exception {
        Cli c = Cli.run("flame", recording.toString(), "--format", "collapsed", "--threads", "pipe-.*");
        assertEquals(0, c.exit(), c.err());
        List<String> threads = c.out().lines().map(l -> l.substring(0, l.indexOf(';'))).distinct().sorted().toList();
        assertEquals(List.of("pipe-reader", "pipe-writer"), threads);
        Cli bad = Cli.run("flame", recording.toString(), "--format", "collapsed", "--threads", "pipe-(");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().startsWith("ebpf-agent flame: --threads takes a regular expression"), bad.err());
    }

    @Test
    void badArgumentsNameTheOptionAndTheAcceptedValues() throws Exception {
        Cli format = Cli.run("report", recording.toString(), "--format", "xml");
        assertEquals(2, format.exit());
        assertTrue(format.err().startsWith("ebpf-agent report: --format takes text, markdown, json, not 'xml'"), format.err());
        Cli option = Cli.run("report", recording.toString(), "--colour");
        assertEquals(2, option.exit());
        assertTrue(option.err().startsWith("ebpf-agent report: unknown option '--colour' (accepted: "), option.err());
        Cli noOutput = Cli.run("flame", recording.toString());
        assertEquals(2, noOutput.exit());
        assertTrue(noOutput.err().startsWith("ebpf-agent flame: flame needs -o OUT.html"), noOutput.err());
        Cli missing = Cli.run("report", "no-such.jfr");
        assertEquals(3, missing.exit());
        assertEquals("ebpf-agent: no such file: no-such.jfr", missing.err().strip());
        Path garbage = Files.writeString(OUT.resolve("garbage.jfr"), "not a recording");
        Cli corrupt = Cli.run("report", garbage.toString());
        assertEquals(3, corrupt.exit());
        assertTrue(corrupt.err().startsWith("ebpf-agent: cannot read " + garbage + " as a JFR recording"), corrupt.err());
        assertEquals(1, corrupt.err().strip().lines().count(), "one line, no stack trace: " + corrupt.err());
        Cli help = Cli.run("flame", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().startsWith("usage: java -jar ebpf-agent.jar flame"), help.out());
    }

    @Test
    void recordingWithoutEbpfEventsExitsOneWithAHint() throws Exception {
        AgentRun.Running child = AgentRun.of(OffCpuWorkload.class).args("1", "1", "1", "1").withoutAgent().start();
        child.send("go");
        child.awaitStdout("DONE", Duration.ofSeconds(30));
        child.send("exit");
        AgentRun.Result plain = child.finish(Duration.ofSeconds(30));
        for (String command : List.of("report", "flame")) {
            List<String> args = new ArrayList<>(List.of(command, plain.recording().toString()));
            if (command.equals("flame")) {
                args.addAll(List.of("-o", OUT.resolve("none.html").toString()));
            }
            Cli c = Cli.run(args.toArray(String[]::new));
            assertEquals(1, c.exit(), command);
            assertTrue(c.err().contains("holds no ebpf.ThreadScheduling events") && c.err().contains("ebpf.jfc"), c.err());
            assertEquals(1, c.err().strip().lines().count(), "one line, no stack trace: " + c.err());
        }
    }

    /** The names in the page's constant pool, which stores each as a shared prefix length and a suffix. */
    static List<String> framesOf(String html) {
        int start = html.indexOf("const cpool = [");
        int end = html.indexOf("];", start);
        assertTrue(start >= 0 && end > start, "no cpool in the page");
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("'((?:[^'\\\\]|\\\\.)*)'").matcher(html.substring(start, end));
        while (m.find()) {
            String packed = m.group(1).replace("\\'", "'").replace("\\\\", "\\");
            names.add(names.isEmpty() ? packed
                    : names.get(names.size() - 1).substring(0, packed.charAt(0) - 32) + packed.substring(1));
        }
        return names;
    }
}

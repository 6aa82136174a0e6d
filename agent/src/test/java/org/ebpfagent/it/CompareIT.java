package org.ebpfagent.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code java -jar ebpf-agent.jar compare} as CI runs it, on real recordings of one spinner per
 * core, alone and crowded by twice as many hogs.
 */
class CompareIT {
    static final int CPUS = Runtime.getRuntime().availableProcessors();
    static final String SPIN_MS = "1500";
    static final double LIMIT_PP = 10;
    static final Path REPORTS = Path.of("target/compare-it");

    static CrowdRun base;
    static CrowdRun equal;
    static CrowdRun head;

    /**
     * Each run is shielded from the rest of the machine ({@link AgentRun#withCpusToSpare()}): the
     * spinners wait for what their own process makes them wait for, so two runs of the same
     * workload match on a busy machine too, and the hogs' crowd is not diluted by other processes'.
     */
    @BeforeAll
    static void record() throws Exception {
        Files.createDirectories(REPORTS);
        base = record(0);
        equal = record(0);
        head = record(2 * CPUS);
    }

    static CrowdRun record(int hogs) throws Exception {
        return CrowdRun.record(CPUS, hogs, SPIN_MS, "");
    }

    static Cli compare(CrowdRun a, CrowdRun b, String... options) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("compare", a.file().toString(), b.file().toString()));
        args.addAll(List.of(options));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void crowdedSpinnersFailTheGateAndAreNamed() throws Exception {
        Cli c = compare(base, head, "--fail-on", "waitShare=+10pp");
        Files.writeString(REPORTS.resolve("regression.txt"), c.out());
        assertEquals(4, c.exit(), c.out() + c.err());
        assertTrue(c.out().contains("\n  spinner-# waitShare "), "the regressions name the spinners: " + c.out());
        assertTrue(c.out().matches("(?s).*\nhog-# \\[0/" + 2 * CPUS + "]  .*only in head\n.*"), "hogs only in head: " + c.out());
    }

    @Test
    void twoRunsOfTheSameWorkloadPass() throws Exception {
        Cli c = compare(base, equal, "--fail-on", "waitShare=+10pp");
        Files.writeString(REPORTS.resolve("equal.txt"), c.out());
        // Every judged waitShare move, for the record: how far the noise stays from the limit.
        Matcher m = Pattern.compile("waitShare %\\s+\\S+\\s+\\S+\\s+([-+][\\d.]+)pp\\s+\\S+\\s+(ok|FAIL)").matcher(c.out());
        List<Double> moves = new ArrayList<>();
        while (m.find()) {
            moves.add(Double.parseDouble(m.group(1)));
        }
        double worst = moves.stream().mapToDouble(Math::abs).max().orElse(0);
        System.out.printf(Locale.ROOT, "equal runs: judged waitShare moves %s pp; largest %.2f pp, %.2f pp from the +%.0fpp limit%n",
                moves, worst, LIMIT_PP - worst, LIMIT_PP);
        assertEquals(0, c.exit(), c.out() + c.err());
    }

    @Test
    void markdownAndJunitReportsOfTheRegression() throws Exception {
        Cli md = compare(base, head, "--fail-on", "waitShare=+10pp", "--format", "markdown");
        Files.writeString(REPORTS.resolve("regression.md"), md.out());
        assertEquals(4, md.exit());
        assertTrue(md.out().contains("\n| `spinner-#` waitShare % | "), md.out());

        Path xml = REPORTS.resolve("regression.xml");
        Cli junit = compare(base, head, "--fail-on", "waitShare=+10pp,runQueueWait=+50%", "--format", "junit",
                "-o", xml.toString());
        assertEquals(4, junit.exit());
        assertTrue(junit.out().startsWith("ebpf-agent compare: REGRESSION"), junit.out());
        NodeList failures = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile())
                .getElementsByTagName("failure");
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < failures.getLength(); i++) {
            Element testcase = (Element) failures.item(i).getParentNode();
            failed.add(testcase.getAttribute("classname") + " " + testcase.getAttribute("name"));
        }
        assertTrue(failed.containsAll(List.of("spinner-# waitShare", "spinner-# runQueueWait", "(process) waitShare")),
                "failed testcases: " + failed + "\n" + Files.readString(xml, StandardCharsets.UTF_8));
    }
}

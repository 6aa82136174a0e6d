package org.ebpfagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.TimeUnit;

import jdk.jfr.consumer.RecordedEvent;

import org.ebpfagent.it.workload.CompareWorkload;
import org.ebpfagent.it.workload.SyncWorkload;
import org.ebpfagent.jmc.AgentHealthRule;
import org.ebpfagent.jmc.CpuStarvationRule;
import org.ebpfagent.jmc.EbpfEvents;
import org.ebpfagent.jmc.EventSums;
import org.ebpfagent.jmc.SyscallProblemsRule;
import org.ebpfagent.jmc.TcpProblemsRule;
import org.ebpfagent.jmc.UninterruptibleWaitRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmc.common.item.IAccessorKey;
import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.item.IType;
import org.openjdk.jmc.common.item.ItemFilters;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.flightrecorder.JfrLoaderToolkit;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.IRule;
import org.openjdk.jmc.flightrecorder.rules.RuleRegistry;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;

/**
 * The agent's recordings in JDK Mission Control's own model, and the ebpf rules run headlessly on
 * them: spinners crowded by twice as many hogs as CPUs must be reported as starved, one spinner with
 * CPUs to spare must not, and a recording without the agent is not applicable.
 */
class JmcIT {
    static final int CPUS = Runtime.getRuntime().availableProcessors();
    /**
     * Long enough that the JVM's own start-up work around the attach (the JIT compiler thread's
     * ~100 ms of demand, a third to a half of it waiting) stays well under the rule's minimum
     * demand, 5% of the span analysed: with 1.5 s it was just over it in 2 of 5 runs, and warned.
     */
    static final String SPIN_MS = "3000";
    static final Path RULES_DIR = Path.of(System.getProperty("ebpfagent.jmcRules", "../jmc-rules/target")).toAbsolutePath();

    static CrowdRun contended;
    static CrowdRun uncontended;
    static Path withoutAgent;
    static Path syncing;
    static long syncerTid;

    @BeforeAll
    static void record() throws Exception {
        contended = record(CPUS, 2 * CPUS, "");
        uncontended = record(Math.max(1, CPUS - 1), 0, "");
        // A second recording with the JDK's default settings: the JVM's own events, no ebpf ones.
        withoutAgent = Files.createTempFile("jmc-it-plain", ".jfr");
        AgentRun.Running plain = AgentRun.of(CompareWorkload.class).args("1", "0", "200").withoutAgent()
                .jvmOption("-XX:StartFlightRecording:settings=default,filename=" + withoutAgent).start();
        plain.send("go");
        AgentRun.Result r = plain.finish(Duration.ofSeconds(60));
        assertEquals(0, r.exitCode(), () -> "workload failed: " + r.stderr());
        // A thread fsyncing a file on the build's disk for a second.
        Path file = Path.of("target/jmc-it-sync.bin").toAbsolutePath();
        // Shielded: starved of CPU, the syncer spent its second waiting to run rather than in
        // fsync (22 syncs, 4.3% uninterruptible, at load 20).
        AgentRun.Running sync = AgentRun.of(SyncWorkload.class).args(file.toString(), "1000")
                .agentOptions("interval=300ms").withCpusToSpare().start();
        sync.awaitStderr("sched probe attached", Duration.ofSeconds(30));
        sync.send("go");
        AgentRun.Result s = sync.finish(Duration.ofSeconds(60));
        assertEquals(0, s.exitCode(), () -> "workload failed: " + s.stderr());
        syncing = s.recording();
        String line = s.stdout().stream().filter(l -> l.startsWith("SYNCED ")).findFirst().orElseThrow();
        syncerTid = Long.parseLong(line.split(" ")[1].substring(4));
        System.out.println(line);
    }

    static CrowdRun record(int spinners, int hogs, String agentOptions) throws Exception {
        return CrowdRun.record(spinners, hogs, SPIN_MS, agentOptions);
    }

    static IResult evaluate(IRule rule, IItemCollection items) throws Exception {
        RunnableFuture<IResult> f = rule.createEvaluation(items, IPreferenceValueProvider.DEFAULT_VALUES, null);
        f.run();
        IResult r = f.get();
        System.out.println(rule.getId() + " " + r.getSeverity() + ": " + r.getSummary() + "\n  " + r.getExplanation());
        return r;
    }

    /** One thread's figures from the JDK's own reader: the oracle for what the rules read through JMC. */
    record Oracle(long tid, String name, long onCpu, long runQueueWait) {
        double share() {
            return (double) runQueueWait / (onCpu + runQueueWait);
        }
    }

    static List<Oracle> oracle(Path recording) throws Exception {
        List<Oracle> out = new ArrayList<>();
        for (Recordings.Totals t : Recordings.schedulingByTid(recording).values()) {
            out.add(new Oracle(t.tid, t.threadName, t.onCpu, t.runQueueWait));
        }
        return out;
    }

    @Test
    void recordingsOpenInJmcWithTheEventsAndFieldsTheJdkReaderSees() throws Exception {
        IItemCollection items = JfrLoaderToolkit.loadEvents(contended.file().toFile());
        Map<String, Map<String, String>> expected = Map.of(
                EbpfEvents.THREAD_SCHEDULING, Map.of("javaThread", "thread", "threadName", "text", "tid", "raw number",
                        "onCpu", "timespan", "runQueueWait", "timespan", "offCpu", "timespan",
                        "voluntarySwitches", "raw number", "involuntarySwitches", "raw number", "migrations", "raw number"),
                EbpfEvents.AGENT_STATISTICS, Map.of("pollTime", "timespan", "errors", "raw number",
                        "threadsDropped", "raw number", "exitsDropped", "raw number", "probeMisses", "raw number"));
        for (var e : expected.entrySet()) {
            IItemCollection ofType = items.apply(ItemFilters.type(e.getKey()));
            long jmcCount = 0;
            for (IItemIterable it : ofType) {
                IType<IItem> type = it.getType();
                assertEquals(e.getKey(), type.getIdentifier());
                Map<String, String> kinds = new HashMap<>();
                for (IAccessorKey<?> k : type.getAccessorKeys().keySet()) {
                    kinds.put(k.getIdentifier(), k.getContentType().getIdentifier().replace('_', ' '));
                }
                for (var field : e.getValue().entrySet()) {
                    String kind = kinds.get(field.getKey());
                    assertNotNull(kind, e.getKey() + " lacks " + field.getKey() + " in JMC: " + kinds.keySet());
                    assertTrue(kind.contains(field.getValue().replace(" ", "")) || kind.contains(field.getValue()),
                            e.getKey() + "." + field.getKey() + " is " + kind + " in JMC");
                }
                jmcCount += it.getItemCount();
            }
            long jdkCount = Recordings.events(contended.file(), e.getKey()).size();
            assertTrue(jdkCount > 0, "no " + e.getKey() + " events");
            assertEquals(jdkCount, jmcCount, e.getKey() + " events: JMC vs jdk.jfr.consumer");
        }
        // Per thread, the sums JMC yields equal the JDK reader's to the nanosecond.
        EventSums<Long> jmc = EventSums.of(items, EbpfEvents.THREAD_SCHEDULING,
                type -> { var tid = EventSums.field(type, EbpfEvents.TID); return item -> EventSums.toLong(tid.getMember(item)); },
                List.of(EbpfEvents.ON_CPU, EbpfEvents.RUN_QUEUE_WAIT, EbpfEvents.OFF_CPU,
                        EbpfEvents.INVOLUNTARY_SWITCHES));
        Map<Long, Recordings.Totals> jdk = Recordings.schedulingByTid(contended.file());
        assertEquals(jdk.keySet(), jmc.byKey().keySet());
        for (var t : jdk.values()) {
            long[] row = jmc.byKey().get(t.tid);
            assertEquals(List.of(t.onCpu, t.runQueueWait, t.offCpu, t.involuntary), List.of(row[0], row[1], row[2], row[3]),
                    "tid " + t.tid);
        }
    }

    @Test
    void crowdedSpinnersAreStarvedAndNamed() throws Exception {
        IItemCollection items = JfrLoaderToolkit.loadEvents(contended.file().toFile());
        IResult r = evaluate(new CpuStarvationRule(), items);
        assertEquals(Severity.WARNING, r.getSeverity(), r.getSummary());

        // The oracle, from jdk.jfr.consumer: the threads judged and those over the limit.
        double limit = CpuStarvationRule.WAIT_SHARE_LIMIT.getDefaultValue().doubleValueIn(UnitLookup.PERCENT_UNITY);
        List<Oracle> judged = judged(contended.file());
        List<Oracle> over = over(judged);
        Oracle worst = over.get(0);
        assertEquals(worst.name + " [" + worst.tid + "]", r.getResult(CpuStarvationRule.WORST_THREAD));
        assertTrue(worst.name.startsWith("spinner-") || worst.name.startsWith("hog-"), "most time lost: " + worst.name);
        assertEquals(judged.get(0).share(), r.getResult(CpuStarvationRule.WORST_WAIT_SHARE).doubleValueIn(UnitLookup.PERCENT_UNITY), 1e-9);
        assertTrue(r.getSummary().startsWith(over.size() + " of " + judged.size() + " judged threads waited"), r.getSummary());
        for (Oracle o : over.subList(0, Math.min(5, over.size()))) {
            String named = String.format(Locale.ROOT, "%s [%d] waited %.1f%%", o.name, o.tid, 100 * o.share());
            assertTrue(r.getExplanation().contains(named), "missing '" + named + "': " + r.getExplanation());
        }
        // Every spinner queued behind the hogs.
        List<Oracle> spinners = judged.stream().filter(o -> o.name.startsWith("spinner-")).toList();
        assertEquals(CPUS, spinners.size(), judged.toString());
        for (Oracle s : spinners) {
            assertTrue(s.share() > limit, s.toString());
        }
    }

    /**
     * The run is shielded from other processes' load (CrowdRun): its CPUs to spare are its own, and
     * no spinner waits past the limit. The JVM's own threads may (a JIT compiler thread queued
     * behind the spinner and the other compiler on two CPUs: 24% in one run); the rule must then
     * say so, and name the right one: its verdict is held to the recording's sums.
     */
    @Test
    void aSpinnerWithCpusToSpareIsNotStarved() throws Exception {
        IResult r = evaluate(new CpuStarvationRule(), JfrLoaderToolkit.loadEvents(uncontended.file().toFile()));
        List<Oracle> judged = judged(uncontended.file());
        List<Oracle> over = over(judged);
        List<Oracle> spinners = judged.stream().filter(o -> o.name.startsWith("spinner-")).toList();
        assertEquals(Math.max(1, CPUS - 1), spinners.size(), judged.toString());
        assertTrue(spinners.stream().noneMatch(over::contains), "spinners with a CPU to spare over the limit: " + over);
        if (over.isEmpty()) {
            assertTrue(r.getSeverity() == Severity.OK || r.getSeverity() == Severity.INFO, r.getSummary());
        } else {
            assertEquals(Severity.WARNING, r.getSeverity(), r.getSummary());
            Oracle worst = over.get(0);
            assertEquals(worst.name + " [" + worst.tid + "]", r.getResult(CpuStarvationRule.WORST_THREAD));
            System.out.println("uncontended run, over the limit (JVM threads, not the spinners): " + over);
        }
    }

    /** The threads the rule judges: ready to run for at least its minimum demand of the events' span. */
    private static List<Oracle> judged(Path recording) throws Exception {
        double minDemand = CpuStarvationRule.MIN_DEMAND.getDefaultValue().doubleValueIn(UnitLookup.PERCENT_UNITY);
        List<RecordedEvent> events = Recordings.events(recording, EbpfEvents.THREAD_SCHEDULING);
        Instant first = events.stream().map(RecordedEvent::getStartTime).min(Comparator.naturalOrder()).orElseThrow();
        Instant last = events.stream().map(RecordedEvent::getEndTime).max(Comparator.naturalOrder()).orElseThrow();
        long window = Duration.between(first, last).toNanos();
        return oracle(recording).stream().filter(o -> o.onCpu + o.runQueueWait >= minDemand * window)
                .sorted(Comparator.comparingDouble(Oracle::share).reversed()).toList();
    }

    /** Of the judged threads, those over the rule's limit, most time lost first. */
    private static List<Oracle> over(List<Oracle> judged) {
        double limit = CpuStarvationRule.WAIT_SHARE_LIMIT.getDefaultValue().doubleValueIn(UnitLookup.PERCENT_UNITY);
        return judged.stream().filter(o -> o.share() > limit)
                .sorted(Comparator.comparingLong(Oracle::runQueueWait).reversed()).toList();
    }

    @Test
    void agentHealthMatchesTheCountersInTheRecording() throws Exception {
        IResult r = evaluate(new AgentHealthRule(), JfrLoaderToolkit.loadEvents(contended.file().toFile()));
        long lost = 0;
        long errors = 0;
        List<RecordedEvent> stats = Recordings.events(contended.file(), EbpfEvents.AGENT_STATISTICS);
        for (String cumulative : List.of("threadsDropped", "exitsDropped", "probeMisses")) {
            lost += stats.stream().mapToLong(e -> e.getLong(cumulative)).max().orElse(0);
        }
        for (RecordedEvent e : stats) {
            errors += e.getLong("errors");
        }
        assertEquals(lost + errors, r.getResult(AgentHealthRule.LOST).longValue());
        assertEquals(lost + errors > 0 ? Severity.WARNING : Severity.OK, r.getSeverity(), r.getSummary());
    }

    @Test
    void aFullThreadMapIsAWarningNamingTheCounter() throws Exception {
        // 3x the map's capacity of threads spinning at once: most cannot get an entry.
        CrowdRun r = record(0, 192, "maxThreads=64");
        IResult result = evaluate(new AgentHealthRule(), JfrLoaderToolkit.loadEvents(r.file().toFile()));
        long dropped = Recordings.events(r.file(), EbpfEvents.AGENT_STATISTICS).stream()
                .mapToLong(e -> e.getLong("threadsDropped")).max().orElse(0);
        // Each of the at least 192 - 64 hogs left out fails at least once to get an entry.
        assertTrue(dropped >= 192 - 64, "threadsDropped " + dropped);
        assertEquals(Severity.WARNING, result.getSeverity(), result.getSummary());
        assertTrue(result.getSummary().contains("threadsDropped " + dropped), result.getSummary());
        assertTrue(result.getExplanation().contains("maxThreads"), result.getExplanation());
    }

    /**
     * A thread that spends its life in fsync warns, and is named with the syscall; the share is the
     * syncer's uninterruptible time read with the JDK's own reader, over the window JMC sees.
     */
    @Test
    void uninterruptibleWaitRuleNamesTheSyncerAndFsync() throws Exception {
        long uninterruptible = 0;
        for (jdk.jfr.consumer.RecordedEvent e : Recordings.events(syncing, "ebpf.ThreadOffCpu")) {
            if (e.getLong("tid") == syncerTid && e.getString("waitKind").equals("uninterruptible")) {
                uninterruptible += e.getLong("offCpu");
            }
        }
        IItemCollection items = JfrLoaderToolkit.loadEvents(syncing.toFile());
        IResult r = evaluate(new UninterruptibleWaitRule(), items);
        IItemCollection offCpu = items.apply(ItemFilters.type("ebpf.ThreadOffCpu"));
        long window = RulesToolkit.getLatestEndTime(offCpu).subtract(RulesToolkit.getEarliestStartTime(offCpu))
                .clampedLongValueIn(UnitLookup.NANOSECOND);
        System.out.printf("syncer: %d ms uninterruptible over a %d ms window%n", uninterruptible / 1_000_000, window / 1_000_000);
        assertEquals(Severity.WARNING, r.getSeverity(), r.getSummary());
        assertTrue(r.getResult(UninterruptibleWaitRule.WORST_THREAD).startsWith("syncer [" + syncerTid + "]"),
                r.getResult(UninterruptibleWaitRule.WORST_THREAD));
        assertEquals((double) uninterruptible / window,
                r.getResult(UninterruptibleWaitRule.WORST_SHARE).doubleValueIn(UnitLookup.PERCENT_UNITY), 1e-9);
        assertTrue(r.getExplanation().contains("fsync") || r.getExplanation().contains("fdatasync"), r.getExplanation());
    }

    /** Spinners do not wait on the disk: at most a little class loading from the jar, never a warning. */
    @Test
    void uninterruptibleWaitRuleIsQuietOnSpinners() throws Exception {
        IResult r = evaluate(new UninterruptibleWaitRule(), JfrLoaderToolkit.loadEvents(uncontended.file().toFile()));
        assertTrue(r.getSeverity().compareTo(Severity.WARNING) < 0, r.getSeverity() + ": " + r.getSummary());
    }

    @Test
    void withoutTheAgentTheRulesAreNotApplicable() throws Exception {
        IItemCollection items = JfrLoaderToolkit.loadEvents(withoutAgent.toFile());
        assertTrue(items.hasItems(), "the JVM's own events are there");
        for (IRule rule : List.of(new CpuStarvationRule(), new AgentHealthRule(), new UninterruptibleWaitRule(),
                new TcpProblemsRule(), new SyscallProblemsRule())) {
            assertEquals(Severity.NA, evaluate(rule, items).getSeverity(), rule.getId());
        }
        // The same through the registry and JMC's own evaluation, as the report generator runs them.
        List<IRule> ours = RuleRegistry.getRules().stream()
                .filter(x -> x.getId().startsWith("Ebpf")).toList();
        assertEquals(5, ours.size(), "the five rules are registered: " + ours);
        Map<IRule, Future<IResult>> results = RulesToolkit.evaluateParallel(ours, items, IPreferenceValueProvider.DEFAULT_VALUES, 1);
        for (var e : results.entrySet()) {
            assertEquals(Severity.NA, e.getValue().get(30, TimeUnit.SECONDS).getSeverity(), e.getKey().getId());
        }
    }

    @Test
    void jmcsHeadlessReportRunsTheRulesFromTheRulesJar() throws Exception {
        Path jar = RULES_DIR.resolve("ebpf-agent-jmc-rules.jar");
        assumeTrue(Files.exists(jar), "build jmc-rules first (mvn package)");
        String cp = jar + File.pathSeparator + RULES_DIR.resolve("lib") + File.separator + "*";
        Path out = Files.createTempFile("jmc-report", ".txt");
        Process p = new ProcessBuilder(AgentRun.JAVA.toString(), "-cp", cp,
                "org.openjdk.jmc.flightrecorder.rules.report.JfrRulesReport", "-format", "text", "-min", "info",
                contended.file().toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "report did not finish");
        String text = Files.readString(out);
        Files.delete(out);
        System.out.println(text);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("CPU Starvation (eBPF)"), text);
        assertTrue(text.matches("(?s).*CPU Starvation \\(eBPF\\)\nSeverity: Warning\n.*most time lost: (spinner|hog)-\\d+ \\[\\d+] waited.*"), text);
    }
}

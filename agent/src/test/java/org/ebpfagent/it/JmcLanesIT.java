package org.ebpfagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Field;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import org.ebpfagent.it.workload.LanesWorkload;
import org.ebpfagent.jmc.EbpfEvents;
import org.ebpfagent.jmc.EventSums;
import org.ebpfagent.jmc.MissingAttributeException;
import org.ebpfagent.jmc.ThreadKey;
import org.ebpfagent.jmc.lanes.MeasuredThreadExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmc.common.IMCThread;
import org.openjdk.jmc.common.item.Aggregators;
import org.openjdk.jmc.common.item.Attribute;
import org.openjdk.jmc.common.item.IAttribute;
import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.item.IMemberAccessor;
import org.openjdk.jmc.common.item.ItemFilters;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.flightrecorder.JfrAttributes;
import org.openjdk.jmc.flightrecorder.JfrLoaderToolkit;
import org.openjdk.jmc.flightrecorder.parser.IParserExtension;
import org.openjdk.jmc.flightrecorder.parser.ParserExtensionRegistry;

/**
 * The jmc-rules jar's parser extension on a real recording, through JMC's own parser: named
 * threads spin, sleep, park and talk TCP under the agent (all three probes) with the JDK's own
 * events recorded too, and each ebpf event must then be on the thread it measured, the same thread
 * (the same lane) as the JDK's events of that thread. The oracle is the same recording read with
 * jdk.jfr.consumer: each event's own javaThread, or its tid for a thread without one.
 */
class JmcLanesIT {
    static final int ROUNDS = 20;
    static final String POLLER = "ebpf-agent-poller";
    static final IAttribute<IQuantity> ON_CPU = Attribute.attr("onCpu", "On CPU", UnitLookup.TIMESPAN);
    static final IAttribute<IQuantity> RUN_QUEUE_WAIT = Attribute.attr("runQueueWait", "Run Queue Wait", UnitLookup.TIMESPAN);

    static Path recording;
    static Map<String, Long> tids = new HashMap<>();
    /** Loaded with JMC's registry of parser extensions, which finds the extension on the class path. */
    static IItemCollection extended;
    /** Loaded with the same registry less the extension: what JMC shows without it. */
    static IItemCollection plain;
    static List<RecordedEvent> ebpf = new ArrayList<>();

    @BeforeAll
    static void record() throws Exception {
        AgentRun.Running child = AgentRun.of(LanesWorkload.class).args("1500", String.valueOf(ROUNDS))
                .agentOptions("interval=200ms,probes=sched+tcp+syscalls").withJdkEvents()
                // Shielded: the spinner's lane must out-spin the sleeper's on a crowded machine too.
                .withCpusToSpare().start();
        // The probes attach one after another: the work starts once the last is in.
        child.awaitStderr("syscalls probe attached", Duration.ofSeconds(60));
        child.send("go");
        String line = child.awaitStdout("LANES tids", Duration.ofSeconds(120));
        child.awaitStdout("LANES DONE", Duration.ofSeconds(10));
        child.send("exit");
        AgentRun.Result r = child.finish(Duration.ofSeconds(60));
        assertEquals(0, r.exitCode(), () -> "workload failed: " + r.stderr());
        for (String pair : line.substring("LANES tids ".length()).split(",")) {
            String[] kv = pair.split("=");
            tids.put(kv[0], Long.parseLong(kv[1]));
        }
        recording = r.recording();
        extended = JfrLoaderToolkit.loadEvents(recording.toFile());
        List<IParserExtension> without = new ArrayList<>(ParserExtensionRegistry.getParserExtensions());
        assertTrue(without.removeIf(e -> e instanceof MeasuredThreadExtension), "the registry has the extension");
        plain = JfrLoaderToolkit.loadEvents(List.of(recording.toFile()), without);
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            if (e.getEventType().getName().startsWith("ebpf.")) {
                ebpf.add(e);
            }
        }
        System.out.println("lane threads " + tids + ", " + ebpf.size() + " ebpf events");
    }

    /** The thread an ebpf event measured, by the JDK's reader: its OS thread id and its name as JMC names it. */
    record Measured(long osThreadId, String name) {}

    /** The measured thread of {@code e}, or null when it names none (no javaThread, tid absent or 0). */
    static Measured measured(RecordedEvent e) {
        if (e.hasField("javaThread") && e.getThread("javaThread") != null) {
            RecordedThread t = e.getThread("javaThread");
            return new Measured(t.getOSThreadId(), t.getJavaName());
        }
        if (e.hasField("tid") && e.getLong("tid") > 0) {
            return new Measured(e.getLong("tid"), e.getString("threadName"));
        }
        return null;
    }

    /** The thread JMC should show for {@code e}: the measured one, else the thread that committed it. */
    static Measured expected(RecordedEvent e) {
        Measured m = measured(e);
        return m != null ? m : new Measured(e.getThread().getOSThreadId(), e.getThread().getJavaName());
    }

    @Test
    void everyEbpfEventIsOnTheThreadItMeasured() throws Exception {
        Map<String, Map<String, Integer>> jdk = new TreeMap<>();
        int measuredByJavaThread = 0;
        int measuredByTidOnly = 0;
        for (RecordedEvent e : ebpf) {
            Measured x = expected(e);
            jdk.computeIfAbsent(e.getEventType().getName(), k -> new TreeMap<>())
                    .merge(fields(e) + " on " + x.osThreadId + " " + x.name, 1, Integer::sum);
            if (e.hasField("javaThread") && e.getThread("javaThread") != null) {
                measuredByJavaThread++;
                // The agent's own consistency, which the lanes rely on: the thread named is the tid's.
                assertEquals(e.getLong("tid"), e.getThread("javaThread").getOSThreadId(), e.toString());
            } else if (measured(e) != null) {
                measuredByTidOnly++;
            }
        }
        Map<String, Map<String, Integer>> jmc = new TreeMap<>();
        for (IItemIterable it : extended) {
            String type = it.getType().getIdentifier();
            if (!type.startsWith("ebpf.")) {
                continue;
            }
            IMemberAccessor<IMCThread, IItem> thread = JfrAttributes.EVENT_THREAD.getAccessor(it.getType());
            IMemberAccessor<?, IItem> tid = optional(it, EbpfEvents.TID);
            IMemberAccessor<?, IItem> name = optional(it, EbpfEvents.THREAD_NAME);
            for (IItem i : it) {
                IMCThread t = thread.getMember(i);
                String f = tid == null ? "-" : EventSums.toLong(tid.getMember(i)) + " " + name.getMember(i);
                jmc.computeIfAbsent(type, k -> new TreeMap<>())
                        .merge(f + " on " + osThreadId(t) + " " + t.getThreadName(), 1, Integer::sum);
            }
        }
        System.out.printf("%d ebpf events with a javaThread, %d with a tid only%n", measuredByJavaThread, measuredByTidOnly);
        assertTrue(measuredByJavaThread > 0 && measuredByTidOnly > 0, "both kinds of measured thread occur");
        for (String type : List.of(EbpfEvents.THREAD_SCHEDULING, EbpfEvents.THREAD_OFF_CPU, EbpfEvents.TCP_CONNECT,
                EbpfEvents.TCP_CONNECTION, EbpfEvents.THREAD_SYSCALLS, EbpfEvents.AGENT_STATISTICS, "ebpf.ThreadTcp")) {
            assertTrue(jdk.containsKey(type), "the recording has " + type + ": " + jdk.keySet());
        }
        assertEquals(jdk.keySet(), jmc.keySet());
        for (String type : jdk.keySet()) {
            assertEquals(jdk.get(type), jmc.get(type), type + ": fields and thread, JDK reader vs JMC with the extension");
        }
    }

    static String fields(RecordedEvent e) {
        return e.hasField("tid") ? e.getLong("tid") + " " + e.getString("threadName") : "-";
    }

    /**
     * Without the extension every ebpf event is on the lane of the thread that committed it (the
     * poller, and JFR's shutdown hook for the last poll); with it the poller's lane holds only the
     * events that measured the poller itself and those that measure no thread (agent statistics, a
     * TCP connection with no known owner), as many as the recording has.
     */
    @Test
    void thePollersLaneHoldsOnlyItsOwnAndUnmeasuredEvents() throws Exception {
        Set<IMCThread> committers = committers();
        IMCThread poller = committers.stream().filter(t -> POLLER.equals(t.getThreadName())).findFirst().orElseThrow();
        long pollerTid = osThreadId(poller);
        long committedByPoller = 0;
        long expectedInLane = 0;
        Map<String, Long> jdkCommitters = new TreeMap<>();
        for (RecordedEvent e : ebpf) {
            jdkCommitters.merge(e.getThread().getJavaName() + " [" + e.getThread().getOSThreadId() + "]", 1L, Long::sum);
            boolean byPoller = e.getThread().getOSThreadId() == pollerTid;
            committedByPoller += byPoller ? 1 : 0;
            Measured m = measured(e);
            if (m != null ? m.osThreadId == pollerTid : byPoller) {
                expectedInLane++;
            }
        }
        Map<String, Long> jmcCommitters = new TreeMap<>();
        long onCommitters = 0;
        for (IMCThread t : committers) {
            jmcCommitters.put(t.getThreadName() + " [" + osThreadId(t) + "]", count(plain, t));
            onCommitters += count(plain, t);
        }
        long before = count(plain, poller);
        long after = count(extended, poller);
        System.out.println("ebpf events by committing thread: JDK reader " + jdkCommitters + ", JMC without the extension "
                + jmcCommitters);
        System.out.printf("poller's lane: %d ebpf events without the extension, %d with (%d expected)%n", before, after,
                expectedInLane);
        // (JMC's own count without the extension is not compared with the recording: it is the
        // count JMC 9.1 gets wrong when events share ends, which the extension also corrects.)
        assertEquals(plain.apply(ebpfTypes()).getAggregate(Aggregators.count()).longValue(), onCommitters,
                "without the extension every ebpf event is on a committing thread's lane");
        assertEquals(expectedInLane, after);
        assertTrue(after < committedByPoller / 4, "the poller's lane kept " + after + " of " + committedByPoller);
        // Each one by its own fields, as JMC reads them.
        for (IItemIterable it : extended.apply(ItemFilters.and(ebpfTypes(), ItemFilters.equals(JfrAttributes.EVENT_THREAD, poller)))) {
            IMemberAccessor<?, IItem> javaThread = optional(it, EbpfEvents.JAVA_THREAD);
            IMemberAccessor<?, IItem> tid = optional(it, EbpfEvents.TID);
            for (IItem i : it) {
                Object jt = javaThread == null ? null : javaThread.getMember(i);
                long t = tid == null ? 0 : EventSums.toLong(tid.getMember(i));
                assertTrue(poller.equals(jt) || t == pollerTid || (jt == null && t <= 0),
                        it.getType().getIdentifier() + " in the poller's lane names " + jt + " [" + t + "]");
            }
        }
    }

    /** Every JDK event keeps its thread: the same events on the same threads with and without the extension. */
    @Test
    void jdkEventsAreUntouched() throws Exception {
        Map<String, Integer> without = jdkEventThreads(plain);
        Map<String, Integer> with = jdkEventThreads(extended);
        assertEquals(without, with);
        for (String[] expect : new String[][] {{"jdk.ThreadPark", "lane-parker"}, {"jdk.ExecutionSample", "lane-spinner"},
                {"jdk.ThreadSleep", "lane-sleeper"}}) {
            assertTrue(without.keySet().stream().anyMatch(k -> k.startsWith(expect[0] + " ") && k.contains(" " + expect[1] + " ")),
                    expect[0] + " on " + expect[1]);
        }
    }

    static Map<String, Integer> jdkEventThreads(IItemCollection items) {
        Map<String, Integer> out = new TreeMap<>();
        for (IItemIterable it : items) {
            String type = it.getType().getIdentifier();
            IMemberAccessor<IMCThread, IItem> thread = JfrAttributes.EVENT_THREAD.getAccessor(it.getType());
            if (type.startsWith("ebpf.") || thread == null) {
                continue;
            }
            IMemberAccessor<IQuantity, IItem> start = JfrAttributes.START_TIME.getAccessor(it.getType());
            for (IItem i : it) {
                IMCThread t = thread.getMember(i);
                String key = type + " " + (start == null ? "" : start.getMember(i).clampedLongValueIn(UnitLookup.EPOCH_NS))
                        + " " + (t == null ? "none" : t.getThreadName() + " " + osThreadId(t));
                out.merge(key, 1, Integer::sum);
            }
        }
        return out;
    }

    /**
     * One lane per thread: a named thread's JDK events (samples, sleeps, parks) and the agent's
     * events of it are on the same thread in JMC, with as many scheduling events as the recording
     * has for its tid and the same on-CPU time; the client's lane holds its connects.
     */
    @Test
    void eachNamedThreadsLaneHoldsItsJdkAndEbpfEvents() throws Exception {
        Map<String, Long> onCpu = new HashMap<>();
        for (String[] lane : new String[][] {{"lane-spinner", "jdk.ExecutionSample"}, {"lane-sleeper", "jdk.ThreadSleep"},
                {"lane-parker", "jdk.ThreadPark"}}) {
            IMCThread t = threadOf(extended, lane[1], lane[0]);
            long tid = tids.get(lane[0]);
            assertEquals(tid, osThreadId(t), lane[0]);
            IItemCollection items = extended.apply(ItemFilters.equals(JfrAttributes.EVENT_THREAD, t));
            assertTrue(items.apply(ItemFilters.type(lane[1])).hasItems(), lane[0] + " lane lacks " + lane[1]);
            long jmcCount = items.apply(ItemFilters.type(EbpfEvents.THREAD_SCHEDULING)).getAggregate(Aggregators.count()).longValue();
            IQuantity sum = items.apply(ItemFilters.type(EbpfEvents.THREAD_SCHEDULING)).getAggregate(Aggregators.sum(ON_CPU));
            Recordings.Totals oracle = Recordings.schedulingByTid(recording).get(tid);
            assertNotNull(oracle, "no ebpf.ThreadScheduling of " + lane[0]);
            assertEquals(oracle.events, jmcCount, lane[0] + " scheduling events");
            assertEquals(oracle.onCpu, sum.clampedLongValueIn(UnitLookup.NANOSECOND), lane[0] + " on-CPU");
            onCpu.put(lane[0], oracle.onCpu);
        }
        System.out.println("on-CPU ns by lane: " + onCpu);
        assertTrue(onCpu.get("lane-spinner") > onCpu.get("lane-sleeper") && onCpu.get("lane-spinner") > onCpu.get("lane-parker"),
                onCpu.toString());
        // The client's connects, on its lane: the thread its events name.
        long clientTid = tids.get("lane-client");
        long connects = ebpf.stream().filter(e -> e.getEventType().getName().equals(EbpfEvents.TCP_CONNECT)
                && e.getLong("tid") == clientTid).count();
        assertEquals(ROUNDS, connects, "connects of lane-client in the recording");
        IMCThread client = null;
        for (IItemIterable it : extended.apply(ItemFilters.type(EbpfEvents.TCP_CONNECT))) {
            for (IItem i : it) {
                client = JfrAttributes.EVENT_THREAD.getAccessor(it.getType()).getMember(i);
            }
        }
        assertNotNull(client);
        assertEquals("lane-client", client.getThreadName());
        assertEquals(connects, extended.apply(ItemFilters.and(ItemFilters.type(EbpfEvents.TCP_CONNECT),
                ItemFilters.equals(JfrAttributes.EVENT_THREAD, client))).getAggregate(Aggregators.count()).longValue());
    }

    /**
     * A JVM thread without a java.lang.Thread (the VM thread, GC workers, compilers): the agent's
     * events name it by tid alone, and land on the lane of the JDK's own events of that OS thread.
     * Checked for every thread that has JDK events: its lane holds exactly the ebpf events that
     * measured its OS thread id.
     */
    @Test
    void everyThreadWithJdkEventsSharesItsLaneWithTheEbpfEventsOfItsTid() throws Exception {
        Set<IMCThread> threads = new HashSet<>();
        for (IItemIterable it : extended) {
            IMemberAccessor<IMCThread, IItem> thread = JfrAttributes.EVENT_THREAD.getAccessor(it.getType());
            if (it.getType().getIdentifier().startsWith("ebpf.") || thread == null) {
                continue;
            }
            for (IItem i : it) {
                if (thread.getMember(i) != null) {
                    threads.add(thread.getMember(i));
                }
            }
        }
        int tidOnlyShared = 0;
        for (IMCThread t : threads) {
            long os = osThreadId(t);
            long expectedCount = ebpf.stream().filter(e -> expected(e).osThreadId == os).count();
            assertEquals(expectedCount, count(extended, t), t.getThreadName() + " [" + os + "]");
            if (ebpf.stream().anyMatch(e -> measured(e) != null && measured(e).osThreadId == os
                    && !(e.hasField("javaThread") && e.getThread("javaThread") != null))) {
                tidOnlyShared++;
                System.out.println("tid-only ebpf events on the JDK's lane of " + t.getThreadName() + " [" + os + "]");
            }
        }
        // The full GC the workload asks for runs on the VM thread, which has JDK events (the GC's) and no java.lang.Thread.
        assertTrue(tidOnlyShared > 0, "no JVM thread without a java.lang.Thread had both JDK and ebpf events");
    }

    /**
     * Per-thread aggregation through JMC's model: ebpf.ThreadScheduling grouped by the event thread
     * and summed gives each tid's totals of the recording exactly, and the same as the rules'
     * grouping by the events' own tid and name ({@link ThreadKey}).
     */
    @Test
    void perThreadSumsByEventThreadMatchTheRecordingAndTheRulesGrouping() throws Exception {
        IItemCollection scheduling = extended.apply(ItemFilters.type(EbpfEvents.THREAD_SCHEDULING));
        Set<IMCThread> threads = scheduling.getAggregate(Aggregators.distinct(JfrAttributes.EVENT_THREAD));
        Map<Long, long[]> byThread = new TreeMap<>();
        for (IMCThread t : threads) {
            IItemCollection lane = scheduling.apply(ItemFilters.equals(JfrAttributes.EVENT_THREAD, t));
            long[] row = {lane.getAggregate(Aggregators.sum(ON_CPU)).clampedLongValueIn(UnitLookup.NANOSECOND),
                lane.getAggregate(Aggregators.sum(RUN_QUEUE_WAIT)).clampedLongValueIn(UnitLookup.NANOSECOND)};
            assertTrue(byThread.put(osThreadId(t), row) == null, "two lanes for " + t.getThreadName());
        }
        Map<Long, long[]> oracle = new TreeMap<>();
        for (Recordings.Totals t : Recordings.schedulingByTid(recording).values()) {
            oracle.put(t.tid, new long[] {t.onCpu, t.runQueueWait});
        }
        Map<Long, long[]> rules = new TreeMap<>();
        for (var e : EventSums.of(extended, EbpfEvents.THREAD_SCHEDULING, ThreadKey.OF,
                List.of(EbpfEvents.ON_CPU, EbpfEvents.RUN_QUEUE_WAIT)).byKey().entrySet()) {
            rules.merge(e.getKey().tid(), e.getValue().clone(), (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
        }
        assertEquals(oracle.keySet(), byThread.keySet());
        assertEquals(oracle.keySet(), rules.keySet());
        for (long tid : oracle.keySet()) {
            assertEquals(List.of(oracle.get(tid)[0], oracle.get(tid)[1]), List.of(byThread.get(tid)[0], byThread.get(tid)[1]),
                    "tid " + tid + ": JMC by event thread vs the recording");
            assertEquals(List.of(oracle.get(tid)[0], oracle.get(tid)[1]), List.of(rules.get(tid)[0], rules.get(tid)[1]),
                    "tid " + tid + ": the rules' grouping vs the recording");
        }
        assertFalse(oracle.isEmpty());
        System.out.println(oracle.size() + " threads: per-thread on-CPU and run-queue wait by event thread match the recording");
    }

    /**
     * The lanes jar, the fragment meant for the JMC application, works on its own: in a class
     * loader with only it and JMC's jars (not the rules, not this build's classes), JMC's registry
     * finds the extension through ServiceLoader and the scheduling events land on their threads.
     */
    @Test
    void theLanesJarAloneCarriesTheExtension() throws Exception {
        Path lanesJar = JmcIT.RULES_DIR.resolve("ebpf-agent-jmc-rules-lanes.jar");
        assumeTrue(Files.exists(lanesJar), "build jmc-rules first (mvn package)");
        List<URL> urls = new ArrayList<>(List.of(lanesJar.toUri().toURL()));
        try (var libs = Files.newDirectoryStream(JmcIT.RULES_DIR.resolve("lib"), "*.jar")) {
            for (Path p : libs) {
                urls.add(p.toUri().toURL());
            }
        }
        ClassLoader saved = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader isolated = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            Thread.currentThread().setContextClassLoader(isolated);
            List<?> extensions = (List<?>) isolated.loadClass("org.openjdk.jmc.flightrecorder.parser.ParserExtensionRegistry")
                    .getMethod("getParserExtensions").invoke(null);
            Object ours = extensions.stream().filter(e -> e.getClass().getName().equals(MeasuredThreadExtension.class.getName()))
                    .findFirst().orElseThrow(() -> new AssertionError("not registered: " + extensions));
            assertEquals(lanesJar.toUri().toURL(), ours.getClass().getProtectionDomain().getCodeSource().getLocation());
            Class<?> collection = isolated.loadClass("org.openjdk.jmc.common.item.IItemCollection");
            Class<?> filter = isolated.loadClass("org.openjdk.jmc.common.item.IItemFilter");
            Class<?> attribute = isolated.loadClass("org.openjdk.jmc.common.item.IAttribute");
            Class<?> aggregator = isolated.loadClass("org.openjdk.jmc.common.item.IAggregator");
            Object items = isolated.loadClass("org.openjdk.jmc.flightrecorder.JfrLoaderToolkit")
                    .getMethod("loadEvents", java.io.File.class).invoke(null, recording.toFile());
            Object type = isolated.loadClass("org.openjdk.jmc.common.item.ItemFilters").getMethod("type", String[].class)
                    .invoke(null, (Object) new String[] {EbpfEvents.THREAD_SCHEDULING});
            Object scheduling = collection.getMethod("apply", filter).invoke(items, type);
            Object distinct = isolated.loadClass("org.openjdk.jmc.common.item.Aggregators").getMethod("distinct", attribute)
                    .invoke(null, isolated.loadClass("org.openjdk.jmc.flightrecorder.JfrAttributes").getField("EVENT_THREAD").get(null));
            Set<String> names = new TreeSet<>();
            for (Object t : (Set<?>) collection.getMethod("getAggregate", aggregator).invoke(scheduling, distinct)) {
                names.add(t.toString());
            }
            System.out.println("lanes jar alone: ebpf.ThreadScheduling on " + names);
            assertTrue(names.containsAll(tids.keySet()), names.toString());
        } finally {
            Thread.currentThread().setContextClassLoader(saved);
        }
    }

    /** The threads that committed ebpf events, as JMC shows them without the extension. */
    static Set<IMCThread> committers() {
        return plain.apply(ebpfTypes()).getAggregate(Aggregators.distinct(JfrAttributes.EVENT_THREAD));
    }

    static org.openjdk.jmc.common.item.IItemFilter ebpfTypes() {
        return ItemFilters.typeMatches("ebpf\\..*");
    }

    /** ebpf events on {@code thread}'s lane. */
    static long count(IItemCollection items, IMCThread thread) {
        return items.apply(ItemFilters.and(ebpfTypes(), ItemFilters.equals(JfrAttributes.EVENT_THREAD, thread)))
                .getAggregate(Aggregators.count()).longValue();
    }

    /** The event thread named {@code name} of some {@code type} event. */
    static IMCThread threadOf(IItemCollection items, String type, String name) {
        for (IItemIterable it : items.apply(ItemFilters.type(type))) {
            IMemberAccessor<IMCThread, IItem> a = JfrAttributes.EVENT_THREAD.getAccessor(it.getType());
            for (IItem i : it) {
                if (a.getMember(i) != null && name.equals(a.getMember(i).getThreadName())) {
                    return a.getMember(i);
                }
            }
        }
        throw new AssertionError("no " + type + " event on " + name);
    }

    static IMemberAccessor<?, IItem> optional(IItemIterable it, String field) {
        try {
            return EventSums.field(it.getType(), field);
        } catch (MissingAttributeException e) {
            return null;
        }
    }

    /**
     * The OS thread id of a thread of JMC's parser: the one thing JMC compares threads by, which its
     * API does not expose, read here from the parser's thread class to check the lanes against the
     * tids of the recording.
     */
    static long osThreadId(IMCThread t) {
        try {
            Field f = t.getClass().getDeclaredField("osThreadId");
            f.setAccessible(true);
            return ((Number) f.get(t)).longValue();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("not a thread of JMC's parser: " + t.getClass(), e);
        }
    }
}

package org.ebpfagent.jmc.lanes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import jdk.jfr.Recording;

import org.ebpfagent.events.AgentStatistics;
import org.ebpfagent.events.TcpConnection;
import org.ebpfagent.events.ThreadScheduling;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmc.common.IMCThread;
import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.item.IMemberAccessor;
import org.openjdk.jmc.common.item.IType;
import org.openjdk.jmc.common.item.ItemFilters;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.flightrecorder.JfrAttributes;
import org.openjdk.jmc.flightrecorder.JfrLoaderToolkit;
import org.openjdk.jmc.flightrecorder.parser.IEventSink;
import org.openjdk.jmc.flightrecorder.parser.IParserExtension;
import org.openjdk.jmc.flightrecorder.parser.ParserExtensionRegistry;
import org.openjdk.jmc.flightrecorder.parser.ValueField;

/**
 * The extension on a real JFR file written by this JVM with the agent's event classes, all
 * committed by one thread named as the agent's poller would be, loaded by JMC's own parser. The
 * agent's recordings are checked the same way in the agent's JmcLanesIT.
 */
class MeasuredThreadExtensionTest {
    static Path file;
    /** The OS thread id of the thread that slept (a jdk.ThreadSleep event of the JDK's own). */
    static long sleeperTid;

    @BeforeAll
    static void record() throws Exception {
        file = Files.createTempFile("jmc-lanes", ".jfr");
        try (Recording r = new Recording()) {
            r.enable(ThreadScheduling.class);
            r.enable(TcpConnection.class);
            r.enable(AgentStatistics.class);
            r.enable("jdk.ThreadSleep").withThreshold(Duration.ZERO);
            r.start();
            CountDownLatch release = new CountDownLatch(1);
            Thread worker = start("worker-a", () -> await(release));
            AtomicLong tid = new AtomicLong();
            Thread sleeper = start("sleeper-j", () -> {
                tid.set(currentTid());
                sleep(1);
            });
            sleeper.join();
            sleeperTid = tid.get();
            Thread committer = start("committer", () -> {
                ThreadScheduling measured = new ThreadScheduling();
                measured.javaThread = worker;
                measured.threadName = "worker-a";
                measured.tid = 1_000_001;
                measured.onCpu = 5;
                measured.commit();
                // A JVM thread with no java.lang.Thread: known to the event by tid and OS name only.
                ThreadScheduling internal = new ThreadScheduling();
                internal.threadName = "sleeper-os";
                internal.tid = sleeperTid;
                internal.onCpu = 7;
                internal.commit();
                TcpConnection ownerless = new TcpConnection();
                ownerless.role = "found";
                ownerless.commit();
                new AgentStatistics().commit();
                sleep(1);
            });
            committer.join();
            release.countDown();
            worker.join();
            r.stop();
            r.dump(file);
        }
    }

    @AfterAll
    static void delete() throws Exception {
        Files.deleteIfExists(file);
    }

    @Test
    void jmcsRegistryFindsTheExtensionThroughServiceLoader() {
        assertTrue(ParserExtensionRegistry.getParserExtensions().stream().anyMatch(e -> e instanceof MeasuredThreadExtension),
                ParserExtensionRegistry.getParserExtensions().toString());
    }

    @Test
    void anEventWithAJavaThreadIsOnThatThread() throws Exception {
        IItemCollection items = JfrLoaderToolkit.loadEvents(file.toFile());
        IItem e = only(items, "ebpf.ThreadScheduling", 5);
        IMCThread thread = JfrAttributes.EVENT_THREAD.getAccessor(typeOf(items, "ebpf.ThreadScheduling")).getMember(e);
        assertEquals("worker-a", thread.getThreadName());
        assertEquals(field(items, "ebpf.ThreadScheduling", "javaThread", e), thread);
    }

    /** The same OS thread as the JDK's own event of it: one lane, whatever the names say. */
    @Test
    void anEventWithATidOnlyIsOnTheJdksThreadOfThatOsThreadId() throws Exception {
        IItemCollection items = JfrLoaderToolkit.loadEvents(file.toFile());
        IItem e = only(items, "ebpf.ThreadScheduling", 7);
        IMCThread thread = JfrAttributes.EVENT_THREAD.getAccessor(typeOf(items, "ebpf.ThreadScheduling")).getMember(e);
        assertEquals("sleeper-os", thread.getThreadName());
        IMCThread jdks = null;
        for (IItemIterable it : items.apply(ItemFilters.type("jdk.ThreadSleep"))) {
            IMemberAccessor<IMCThread, IItem> a = JfrAttributes.EVENT_THREAD.getAccessor(it.getType());
            for (IItem i : it) {
                if ("sleeper-j".equals(a.getMember(i).getThreadName())) {
                    jdks = a.getMember(i);
                }
            }
        }
        assertEquals(thread, jdks, "the jdk.ThreadSleep of tid " + sleeperTid);
        assertEquals(jdks, thread);
        assertEquals(jdks.hashCode(), thread.hashCode());
        assertEquals(jdks.getClass(), thread.getClass(), "made as the parser's own thread, not the fallback");
    }

    @Test
    void eventsWithoutAMeasuredThreadKeepTheirOwn() throws Exception {
        IItemCollection items = JfrLoaderToolkit.loadEvents(file.toFile());
        for (String type : List.of("ebpf.TcpConnection", "ebpf.AgentStatistics")) {
            List<String> threads = threadNames(items, type);
            assertEquals(List.of("committer"), threads, type);
        }
    }

    /** jdk.ThreadSleep on two threads: the same threads, in the same order, with and without. */
    @Test
    void jdkEventsAreUntouched() throws Exception {
        List<IParserExtension> without = new ArrayList<>(ParserExtensionRegistry.getParserExtensions());
        assertTrue(without.removeIf(e -> e instanceof MeasuredThreadExtension));
        IItemCollection plain = JfrLoaderToolkit.loadEvents(List.of(file.toFile()), without);
        IItemCollection extended = JfrLoaderToolkit.loadEvents(file.toFile());
        List<String> before = threadNames(plain, "jdk.ThreadSleep");
        assertEquals(List.of("sleeper-j", "committer"), before);
        assertEquals(before, threadNames(extended, "jdk.ThreadSleep"));
        // Without the extension every ebpf event is the committer's.
        assertEquals(List.of("committer", "committer"), threadNames(plain, "ebpf.ThreadScheduling"));
    }

    @Test
    void withoutTheParsersThreadClassAThreadOfOurOwnIsEqualByTid() {
        OsThreads threads = new OsThreads();
        IMCThread a = threads.of(42, "gc", "not a thread");
        IMCThread b = threads.of(42, "renamed", new OsThreads.OsThread(9, "poller"));
        assertTrue(a instanceof OsThreads.OsThread, a.getClass().toString());
        assertEquals(a, b);
        assertEquals(a.hashCode(), Long.hashCode(42));
        assertNotEquals(a, threads.of(43, "gc", null));
        assertSame(a, threads.of(42, "gc", null), "one object per tid and name");
        assertEquals(null, a.getThreadId());
    }

    /** Values of a kind the extension does not expect reach the next sink as they came. */
    @Test
    void unexpectedValuesPassThroughUnchanged() {
        List<Object[]> got = new ArrayList<>();
        IEventSink next = got::add;
        IEventSink sink = new MeasuredThreadSink(next, 0, 1, 2, 3, new OsThreads());
        Object[] odd = {"poller", "not a thread", "not a number", "x"};
        sink.addEvent(odd);
        Object[] zero = {"poller", null, 0L, "x"};
        sink.addEvent(zero);
        assertSame(odd, got.get(0));
        assertSame(zero, got.get(1));
        assertFalse(got.isEmpty());
    }

    /** A type lacking the event thread or any measured-thread field gets the next factory's sink. */
    @Test
    void typesWithoutTheFieldsAreNotWrapped() {
        List<String> created = new ArrayList<>();
        IEventSink plain = values -> { };
        var factory = new MeasuredThreadSinks(new org.openjdk.jmc.flightrecorder.parser.IEventSinkFactory() {
            @Override
            public IEventSink create(String id, String label, String[] category, String description, List<ValueField> fields) {
                created.add(id);
                return plain;
            }

            @Override
            public void flush() {
            }
        });
        List<ValueField> measured = List.of(new ValueField(JfrAttributes.EVENT_THREAD),
                new ValueField("tid", "OS Thread Id", null, UnitLookup.RAW_NUMBER));
        assertSame(plain, factory.create("jdk.ThreadPark", "x", new String[0], null, measured));
        assertSame(plain, factory.create("ebpf.AgentStatistics", "x", new String[0], null,
                List.of(new ValueField(JfrAttributes.EVENT_THREAD))));
        assertTrue(factory.create("ebpf.ThreadScheduling", "x", new String[0], null, measured) instanceof MeasuredThreadSink);
        assertEquals(List.of("jdk.ThreadPark", "ebpf.AgentStatistics", "ebpf.ThreadScheduling"), created);
    }

    /**
     * Seven events whose intervals share ends, as the agent's do, in an order that makes JMC 9.1's
     * lane builder lose one and double two; with the extension each is there once.
     */
    @Test
    void eventsWithSharedEndsAreNeitherLostNorDoubled() throws Exception {
        long[][] spans = {{40, 70}, {10, 40}, {0, 30}, {10, 20}, {20, 40}, {40, 50}, {40, 60}};
        Path shared = Files.createTempFile("jmc-lanes-ends", ".jfr");
        try (Recording r = new Recording()) {
            r.enable(ThreadScheduling.class);
            r.start();
            VarHandle startTime = MethodHandles.privateLookupIn(ThreadScheduling.class, MethodHandles.lookup())
                    .findVarHandle(ThreadScheduling.class, "startTime", long.class);
            VarHandle duration = MethodHandles.privateLookupIn(ThreadScheduling.class, MethodHandles.lookup())
                    .findVarHandle(ThreadScheduling.class, "duration", long.class);
            ThreadScheduling clock = new ThreadScheduling();
            clock.begin();
            long base = (long) startTime.get(clock) - 1_000_000_000L; // a second ago, in JFR's ticks
            long tick = 1_000_000; // a millisecond if JFR counts nanoseconds; any unit keeps the ends equal
            for (int i = 0; i < spans.length; i++) {
                ThreadScheduling e = new ThreadScheduling();
                e.threadName = "t" + i;
                e.tid = 100 + i;
                e.onCpu = i;
                startTime.set(e, base + spans[i][0] * tick);
                duration.set(e, (spans[i][1] - spans[i][0]) * tick);
                e.commit();
            }
            r.stop();
            r.dump(shared);
        }
        try {
            List<IParserExtension> without = new ArrayList<>(ParserExtensionRegistry.getParserExtensions());
            without.removeIf(e -> e instanceof MeasuredThreadExtension);
            List<Long> plain = onCpus(JfrLoaderToolkit.loadEvents(List.of(shared.toFile()), without));
            List<Long> extended = onCpus(JfrLoaderToolkit.loadEvents(shared.toFile()));
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L), extended);
            // The case this guards against: should JMC stop losing these, the holding back can go.
            assertNotEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L), plain, "JMC without the extension read every event once");
        } finally {
            Files.deleteIfExists(shared);
        }
    }

    /** The onCpu of every ebpf.ThreadScheduling event, sorted. */
    static List<Long> onCpus(IItemCollection items) {
        List<Long> out = new ArrayList<>();
        for (IItemIterable it : items.apply(ItemFilters.type("ebpf.ThreadScheduling"))) {
            IMemberAccessor<?, IItem> onCpu = accessor(it.getType(), "onCpu");
            for (IItem i : it) {
                out.add(((org.openjdk.jmc.common.unit.IQuantity) onCpu.getMember(i)).clampedLongValueIn(UnitLookup.NANOSECOND));
            }
        }
        out.sort(null);
        return out;
    }

    static IType<IItem> typeOf(IItemCollection items, String type) {
        return items.apply(ItemFilters.type(type)).iterator().next().getType();
    }

    /** The one event of {@code type} whose onCpu is {@code onCpuNs}. */
    static IItem only(IItemCollection items, String type, long onCpuNs) {
        List<IItem> found = new ArrayList<>();
        for (IItemIterable it : items.apply(ItemFilters.type(type))) {
            IMemberAccessor<?, IItem> onCpu = accessor(it.getType(), "onCpu");
            for (IItem i : it) {
                if (((org.openjdk.jmc.common.unit.IQuantity) onCpu.getMember(i)).clampedLongValueIn(UnitLookup.NANOSECOND) == onCpuNs) {
                    found.add(i);
                }
            }
        }
        assertEquals(1, found.size(), type + " with onCpu " + onCpuNs);
        return found.get(0);
    }

    static Object field(IItemCollection items, String type, String id, IItem item) {
        return accessor(typeOf(items, type), id).getMember(item);
    }

    static IMemberAccessor<?, IItem> accessor(IType<IItem> type, String id) {
        for (var k : type.getAccessorKeys().keySet()) {
            if (k.getIdentifier().equals(id)) {
                return type.getAccessor(k);
            }
        }
        throw new AssertionError(type.getIdentifier() + " has no " + id);
    }

    /** The event threads' names of every {@code type} event, in time order. */
    static List<String> threadNames(IItemCollection items, String type) {
        List<Object[]> rows = new ArrayList<>();
        for (IItemIterable it : items.apply(ItemFilters.type(type))) {
            IMemberAccessor<IMCThread, IItem> thread = JfrAttributes.EVENT_THREAD.getAccessor(it.getType());
            var start = JfrAttributes.START_TIME.getAccessor(it.getType());
            for (IItem i : it) {
                rows.add(new Object[] {start.getMember(i), thread.getMember(i).getThreadName()});
            }
        }
        rows.sort((x, y) -> ((org.openjdk.jmc.common.unit.IQuantity) x[0]).compareTo((org.openjdk.jmc.common.unit.IQuantity) y[0]));
        return rows.stream().map(r -> (String) r[1]).toList();
    }

    static long currentTid() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.start();
        return t;
    }
}

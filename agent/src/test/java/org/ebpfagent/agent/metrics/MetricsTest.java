package org.ebpfagent.agent.metrics;

import java.lang.management.ManagementFactory;

import org.ebpfagent.agent.probe.PollStats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {
    static final Table THREADS = Table.perThreadGroup("test.threads");
    static final Metric TIME = THREADS.counter("test.time", Unit.NANOSECONDS, "time");
    static final Metric CALLS = THREADS.counter("test.calls", Unit.COUNT, "calls");
    static final Table BY_CALL = Table.perThreadGroup("test.by_call", "call");
    static final Metric BY_CALL_COUNT = BY_CALL.counter("test.by_call", Unit.COUNT, "calls by name");
    static final Table LATENCY = Table.process("test.latency", "call");
    static final Metric DURATION = LATENCY.histogram("test.duration", Unit.NANOSECONDS, "call time", Log2Buckets.bounds(8));

    private static TableSnapshot table(MetricsSnapshot s, Table t) {
        return s.tables().stream().filter(x -> x.table() == t).findFirst().orElseThrow();
    }

    @Test
    void threadsOfOneGroupShareARowAndTheSnapshotIsACopy() {
        Metrics m = new Metrics(8);
        Rows rows = m.rows(THREADS);
        ThreadRow a = new ThreadRow();
        ThreadRow b = new ThreadRow();
        a.of(rows, "pool-1-thread-1").add(TIME, 100);
        b.of(rows, "pool-1-thread-2").add(TIME, 20);
        b.of(rows, "pool-1-thread-2").add(CALLS, 3);
        new ThreadRow().of(rows, "main").add(TIME, 7);
        m.afterPoll(new PollStats(), 1000, 0, 5);
        MetricsSnapshot first = m.latest();
        a.of(rows, "pool-1-thread-1").add(TIME, 1);

        TableSnapshot t = table(first, THREADS);
        assertEquals(2, t.size());
        assertEquals("pool-#-thread-#", t.label(0, 0));
        assertEquals(120, t.value(0, TIME), "the snapshot holds the values of its poll");
        assertEquals(3, t.value(0, CALLS));
        assertEquals("main", t.label(1, 0));
        assertEquals(7, t.value(1, TIME));
        assertEquals(1, first.polls());

        m.afterPoll(new PollStats(), 1000, 0, 5);
        assertEquals(121, table(m.latest(), THREADS).value(0, TIME));
        assertEquals(120, t.value(0, TIME), "a published snapshot never changes");
        TableSnapshot agent = table(m.latest(), AgentFigures.AGENT);
        assertEquals(2, agent.value(0, AgentFigures.POLLS));
        assertEquals(2000, agent.value(0, AgentFigures.POLL_TIME));
        assertEquals(2, agent.value(0, AgentFigures.THREAD_GROUPS));
    }

    @Test
    void aRenamedThreadMovesToItsNewGroup() {
        Metrics m = new Metrics(8);
        Rows rows = m.rows(THREADS);
        ThreadRow r = new ThreadRow();
        Row before = r.of(rows, "Thread-3");
        assertSame(before, r.of(rows, "Thread-3"));
        assertEquals("Thread-#", r.group().name());
        Row after = r.of(rows, "worker-3");
        assertNotSame(before, after);
        assertEquals("worker-#", r.group().name());
    }

    @Test
    void groupsBeyondTheCapAreFoldedAndCountedOnce() {
        Metrics m = new Metrics(2);
        Rows rows = m.rows(THREADS);
        new ThreadRow().of(rows, "a-1").add(CALLS, 1);
        new ThreadRow().of(rows, "b-1").add(CALLS, 1);
        new ThreadRow().of(rows, "c-1").add(CALLS, 1);
        new ThreadRow().of(rows, "c-2").add(CALLS, 1);
        new ThreadRow().of(rows, "d").add(CALLS, 1);
        new ThreadRow().of(rows, "a-2").add(CALLS, 1);
        m.afterPoll(new PollStats(), 1, 0, 0);
        TableSnapshot t = table(m.latest(), THREADS);
        assertEquals(3, t.size());
        assertEquals("a-#", t.label(0, 0));
        assertEquals(2, t.value(0, CALLS));
        assertEquals("(other)", t.label(2, 0));
        assertEquals(3, t.value(2, CALLS), "c-1, c-2 and d");
        TableSnapshot agent = table(m.latest(), AgentFigures.AGENT);
        assertEquals(2, agent.value(0, AgentFigures.THREAD_GROUPS));
        assertEquals(2, agent.value(0, AgentFigures.THREAD_GROUPS_FOLDED), "c-# and d");
    }

    @Test
    void labelledRowsAndHistograms() {
        Metrics m = new Metrics(8);
        Rows byCall = m.rows(BY_CALL);
        Rows latency = m.rows(LATENCY);
        Groups.Group main = m.groups().of("main");
        byCall.row(main, "read").add(BY_CALL_COUNT, 2);
        byCall.row(main, "write").add(BY_CALL_COUNT, 1);
        assertSame(byCall.row(main, "read"), byCall.row(main, "read"));
        Row read = latency.row(null, "read");
        read.observe(DURATION, 0);   // bucket 0: 0..1 ns
        read.observe(DURATION, 1);
        read.observe(DURATION, 2);   // bucket 1: 2..3
        read.observe(DURATION, 1000); // bucket 7 (the last, unbounded)
        read.addBucket(DURATION, 3, 5); // five calls of 8..15 ns, summing 50
        read.addSum(DURATION, 50);
        m.afterPoll(new PollStats(), 1, 0, 0);
        TableSnapshot b = table(m.latest(), BY_CALL);
        assertEquals("main", b.label(0, 0));
        assertEquals("read", b.label(0, 1));
        assertEquals(2, b.value(0, BY_CALL_COUNT));
        TableSnapshot l = table(m.latest(), LATENCY);
        assertEquals("read", l.label(0, 0));
        assertEquals(2, l.bucket(0, DURATION, 0));
        assertEquals(1, l.bucket(0, DURATION, 1));
        assertEquals(5, l.bucket(0, DURATION, 3));
        assertEquals(1, l.bucket(0, DURATION, 7));
        assertEquals(9, l.count(0, DURATION));
        assertEquals(1053, l.sum(0, DURATION));
        assertEquals(1, DURATION.bound(0));
        assertEquals(127, DURATION.bound(6));
        assertEquals(Long.MAX_VALUE, DURATION.bound(7));
    }

    @Test
    void rowsMayGrowPastTheirFirstArrays() {
        Metrics m = new Metrics(1000);
        Rows rows = m.rows(THREADS);
        for (int i = 0; i < 100; i++) {
            rows.row(m.groups().of("group" + (char) ('a' + i % 26) + (char) ('a' + i / 26))).add(CALLS, i);
        }
        m.afterPoll(new PollStats(), 1, 0, 0);
        TableSnapshot t = table(m.latest(), THREADS);
        assertEquals(100, t.size());
        for (int i = 0; i < 100; i++) {
            assertEquals(i, t.value(i, CALLS));
        }
    }

    @Test
    void aMetricNameIsOneTableOnlyAndATableInUseTakesNoMore() {
        Metrics m = new Metrics(8);
        m.rows(THREADS);
        Table clash = Table.process("test.clash");
        clash.counter("test.time", Unit.COUNT, "again");
        assertThrows(IllegalArgumentException.class, () -> m.rows(clash));
        assertThrows(IllegalStateException.class, () -> THREADS.counter("test.late", Unit.COUNT, "late"));
        assertThrows(IllegalArgumentException.class, () -> m.rows(THREADS).row(null, "x"));
    }

    /** What a recorder does per event once its rows are found: no allocation. */
    @Test
    void steadyWritesAllocateNothing() {
        Metrics m = new Metrics(8);
        Rows rows = m.rows(THREADS);
        Rows latency = m.rows(LATENCY);
        ThreadRow[] threads = new ThreadRow[16];
        String[] names = new String[threads.length];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new ThreadRow();
            names[i] = "pool-1-thread-" + i;
        }
        Row read = latency.row(null, "read");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long bytes = Long.MAX_VALUE;
        // The first round finds the rows; the JIT may allocate a little in any round while it
        // compiles (seen: 280 bytes once): a round of 100,000 writes at 0 bytes shows none of
        // them allocates.
        for (int round = 0; round < 10 && bytes != 0; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int n = 0; n < 100_000; n++) {
                int i = n & 15;
                Row r = threads[i].of(rows, names[i]);
                r.add(TIME, n);
                r.add(CALLS, 1);
                read.observe(DURATION, n);
            }
            bytes = Math.min(bytes, mx.getCurrentThreadAllocatedBytes() - before);
        }
        assertEquals(0, bytes, "bytes allocated by 100,000 steady writes");
        m.afterPoll(new PollStats(), 1, 0, 0);
        assertTrue(table(m.latest(), THREADS).value(0, CALLS) > 0);
    }
}

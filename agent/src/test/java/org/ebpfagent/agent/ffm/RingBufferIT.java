package org.ebpfagent.agent.ffm;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ring-buffer reader against records a BPF program writes into a real ring
 * (bpf/test/ringbuf_test.bpf.c, run with BPF_PROG_TEST_RUN): each test decides exactly which
 * records exist, so every sequence number, every payload byte and every lost record is checked.
 */
class RingBufferIT {
    private static final int RING = 16384;     // small, so that records wrap often
    private static final long MUL = 0x9E3779B97F4A7C15L; // PAYLOAD_MUL in ringbuf_test.h
    private static final int ARG_COUNT = 0, ARG_SIZE = 1, ARG_FIRST_SEQ = 2, ARG_DISCARD_EVERY = 3;
    private static final int COUNTER_LOST = 0, COUNTER_HOLDING = 1;

    private final BpfObject object;
    private final MmapArray counters;
    private final RingBuffer ring;
    private final ProgramRun produce;

    RingBufferIT() throws Exception {
        object = BpfObject.open("ringbuf_test", MapBatchReaderIT.testObject("ringbuf_test"));
        object.map("ring").setMaxEntries(RING);
        object.load();
        counters = MmapArray.of(object.map("counters"));
        ring = RingBuffer.of(object.map("ring"), counters, COUNTER_LOST);
        produce = ProgramRun.of(object, "produce", 4);
    }

    @AfterEach
    void close() {
        produce.close();
        ring.close();
        counters.close();
        object.close();
    }

    /** Records the kernel accepts at once: it refuses a reservation that would fill the ring. */
    private static int capacity(int size) {
        return (RING - 1) / ((size + 8 + 7) & ~7);
    }

    private int produce(int count, int size, long firstSeq, int discardEvery) throws BpfException {
        return produce.arg(ARG_COUNT, count).arg(ARG_SIZE, size).arg(ARG_FIRST_SEQ, firstSeq)
                .arg(ARG_DISCARD_EVERY, discardEvery).run();
    }

    /** Reads what is ready, checking each record's length and payload; returns the sequence numbers. */
    private List<Long> drain(int size) {
        List<Long> seqs = new ArrayList<>();
        while (ring.next()) {
            assertEquals(size, ring.recordLength());
            long seq = ring.longAt(0);
            assertEquals(size, ring.longAt(8));
            for (int i = 2; i < size / 8; i++) {
                assertEquals(seq * MUL + i, ring.longAt(i * 8L), "word " + i + " of record " + seq);
            }
            seqs.add(seq);
        }
        return seqs;
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 1024})
    void everyRecordArrivesOnceInOrderAcrossManyWrapArounds(int size) throws Exception {
        int perRound = capacity(size) * 2 / 3;
        long seq = 0;
        int wrapped = 0;
        for (int round = 0; round < 50; round++) {
            assertEquals(perRound, produce(perRound, size, seq, 0));
            int n = 0;
            while (ring.next()) {
                assertEquals(size, ring.recordLength());
                assertEquals(seq, ring.longAt(0), "round " + round);
                assertEquals(seq * MUL + size / 8 - 1, ring.longAt(size - 8), "last word of " + seq);
                if (ring.recordOffset() + size > ring.capacity()) {
                    wrapped++; // its last bytes are at the start of the ring, read through the second mapping
                }
                seq++;
                n++;
            }
            assertEquals(perRound, n, "round " + round);
            assertEquals(0, ring.pending());
        }
        assertTrue(wrapped >= 10, "records straddling the ring's end: " + wrapped);
        assertEquals(0, ring.lost());
        // payloads in full once more, with records at every alignment the ring has seen
        produce(perRound, size, seq, 0);
        assertEquals(sequence(seq, perRound), drain(size));
    }

    @Test
    void discardedRecordsAreSkipped() throws Exception {
        assertEquals(100, produce(100, 64, 1, 3)); // seq 1..100, multiples of 3 discarded
        List<Long> expected = new ArrayList<>();
        for (long s = 1; s <= 100; s++) {
            if (s % 3 != 0) {
                expected.add(s);
            }
        }
        assertEquals(expected, drain(64));
        assertEquals(0, ring.pending(), "the discarded records' space is consumed too");
        assertEquals(List.of(), drain(64));
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 1024})
    void aFullRingCountsEachLostRecord(int size) throws Exception {
        int capacity = capacity(size);
        int asked = 2 * capacity + 5;
        assertEquals(capacity, produce(asked, size, 0, 0));
        assertEquals(asked - capacity, ring.lost());
        assertEquals(sequence(0, capacity), drain(size));
        // the drain gave the room back
        assertEquals(capacity, produce(capacity, size, 1000, 0));
        assertEquals(asked - capacity, ring.lost());
        assertEquals(sequence(1000, capacity), drain(size));
    }

    @Test
    void roomIsGivenBackAtCommitsNotPerRecord() throws Exception {
        int capacity = capacity(64);
        assertEquals(capacity, produce(capacity, 64, 0, 0));
        assertTrue(ring.next());
        assertTrue(ring.next()); // the first record is done, but not committed: under a quarter ring
        assertEquals(0, produce(1, 64, 500, 0), "the producer must not see room yet");
        assertEquals(1, ring.lost());
        ring.commit(); // both records read so far
        assertEquals(2, produce(2, 64, 500, 0));
        assertEquals(1, ring.lost());
        List<Long> expected = sequence(2, capacity - 2);
        expected.addAll(List.of(500L, 501L));
        assertEquals(expected, drain(64));
    }

    @Test
    void aRecordStillBeingWrittenStopsTheReaderUntilCommitted() throws Exception {
        try (ProgramRun hold = ProgramRun.of(object, "hold_busy", 4); ProgramRun release = ProgramRun.of(object, "release", 0)) {
            hold.arg(ARG_FIRST_SEQ, 10);
            for (int attempt = 1; ; attempt++) {
                CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
                    try {
                        return hold.run();
                    } catch (BpfException e) {
                        throw new RuntimeException(e);
                    }
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (counters.valueLongAcquire(COUNTER_HOLDING) == 0 && !run.isDone()
                        && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                boolean heldBefore = counters.valueLongAcquire(COUNTER_HOLDING) == 1;
                List<Long> before = drain(64);
                long pending = ring.pending();
                boolean heldAfter = counters.valueLongAcquire(COUNTER_HOLDING) == 1;
                release.run();
                assertEquals(0, (int) run.get(10, TimeUnit.SECONDS));
                List<Long> after = drain(64);
                long first = 10 + 3L * (attempt - 1);
                if (heldBefore && heldAfter) { // the reader ran while record first+1 was busy
                    assertEquals(List.of(first), before);
                    assertEquals(72, pending, "the busy record (64 bytes and its header) was reserved");
                    assertEquals(List.of(first + 1, first + 2), after);
                    break;
                }
                assertEquals(sequence(first, 3), concat(before, after));
                // Only if this thread could not run for the whole hold (about half a second).
                assertTrue(attempt < 5, "the program never held its record long enough to look");
                hold.arg(ARG_FIRST_SEQ, first + 3);
            }
        }
    }

    @Test
    void drainingAllocatesNothing() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        long allocated = 0;
        for (int round = 0; round < 200; round++) {
            produce(capacity(64), 64, 0, 0);
            long before = threads.getCurrentThreadAllocatedBytes();
            while (ring.next()) {
                sum += ring.longAt(0);
            }
            long bytes = threads.getCurrentThreadAllocatedBytes() - before;
            if (round >= 100) {
                allocated += bytes;
            }
        }
        assertTrue(sum > 0);
        assertEquals(0, allocated, "bytes allocated by 100 drains of " + capacity(64) + " records");
    }

    @Test
    void aMapThatIsNotARingIsRefusedAndAClosedRingIsNotRead() throws Exception {
        BpfException e = assertThrows(BpfException.class,
                () -> RingBuffer.of(object.map("counters"), counters, COUNTER_LOST));
        assertEquals("mmap", e.step());
        assertEquals(Errno.EINVAL, e.errno());
        ring.close();
        assertThrows(IllegalStateException.class, ring::next);
        ring.close();
    }

    private static List<Long> sequence(long first, int n) {
        List<Long> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            s.add(first + i);
        }
        return s;
    }

    private static List<Long> concat(List<Long> a, List<Long> b) {
        List<Long> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}

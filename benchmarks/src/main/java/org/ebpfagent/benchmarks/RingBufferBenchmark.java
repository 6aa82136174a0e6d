package org.ebpfagent.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfObject;
import org.ebpfagent.agent.ffm.MmapArray;
import org.ebpfagent.agent.ffm.ProgramRun;
import org.ebpfagent.agent.ffm.RingBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Records per second the agent's ring-buffer reader ({@link RingBuffer}) drains, the Java side of
 * {@code benchmarks/c/ringbuf_bench.c}: the same object ({@code bpf/test/ringbuf_test.bpf.c}), the
 * same 16 MiB ring, the same record sizes, the same work per record (read the sequence number,
 * check it is the next one). One operation is one full ring: K = (16 MiB - 1) / (size + 8 rounded
 * up to 8) records (233,016 of 64 bytes, 16,256 of 1 KiB), so ns/record = score / K.
 *
 * <p>{@link #drain} times the consumer alone: the ring is filled before each operation, outside
 * the timed part, by the {@code produce} program run with BPF_PROG_TEST_RUN (some 40 ns per 64-byte
 * record in the kernel, ten times the reader's cost, which would otherwise bury it).
 * {@link #fillAndDrain} times both, one after the other on one thread (end to end). Neither path
 * allocates: the fill's test run uses native buffers allocated once ({@link ProgramRun}).
 *
 * <p>Allocation: JMH's gc profiler reports about 100 B/op for {@link #drain} even so, which is
 * JMH's own per-invocation bookkeeping for a {@code Level.Invocation} setup: a loop of fills and
 * drains outside JMH allocates 0 bytes in steady state. So {@link #drain} also reads the thread's
 * allocation counter around the drain itself and prints, per measurement iteration,
 * {@code thread-alloc drain <size> <bytes> <operations>}. {@link #fillAndDrain} has no
 * per-invocation setup, and its gc.alloc.rate.norm is the number to read.
 * {@code scripts/bench-ringbuf.sh} runs both sides.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 8, time = 1)
public class RingBufferBenchmark {
    static final String OBJECT = "/org/ebpfagent/bpf/test/ringbuf_test.bpf.o";
    static final int RING_BYTES = 16 << 20;
    // ringbuf_test.h
    static final int ARG_COUNT = 0, ARG_SIZE = 1, ARG_FIRST_SEQ = 2, ARG_DISCARD_EVERY = 3, PRODUCE_ARGS = 4;
    static final int COUNTER_LOST = 0;

    /** The loaded object, the mapped ring and the program that fills it, for one trial. */
    @State(Scope.Thread)
    public static class Ring {
        @Param({"64", "1024"})
        public int size;

        BpfObject object;
        MmapArray counters;
        RingBuffer ring;
        ProgramRun produce;
        int records;
        long seq;
        long allocated;
        long operations;

        @Setup(Level.Trial)
        public void open() throws Exception {
            object = BpfObject.open("ringbuf_test", elf());
            object.map("ring").setMaxEntries(RING_BYTES);
            object.load();
            counters = MmapArray.of(object.map("counters"));
            ring = RingBuffer.of(object.map("ring"), counters, COUNTER_LOST);
            produce = ProgramRun.of(object, "produce", PRODUCE_ARGS);
            produce.arg(ARG_SIZE, size).arg(ARG_DISCARD_EVERY, 0);
            records = (RING_BYTES - 1) / ((size + 8 + 7) & ~7);
            produce.arg(ARG_COUNT, records);
        }

        @TearDown(Level.Iteration)
        public void report(BenchmarkParams benchmark, IterationParams iteration) {
            if (iteration.getType() == IterationType.MEASUREMENT && operations > 0) {
                System.out.println("thread-alloc drain " + size + " " + allocated + " " + operations);
            }
            allocated = 0;
            operations = 0;
        }

        @TearDown(Level.Trial)
        public void close() {
            long lost = ring.lost();
            produce.close();
            ring.close();
            counters.close();
            object.close();
            if (lost != 0) {
                throw new IllegalStateException(lost + " records lost: the ring was not drained in full");
            }
        }

        /** K records, sequence numbers from {@link #seq} on. */
        void fill() throws BpfException {
            int written = produce.arg(ARG_FIRST_SEQ, seq).run();
            if (written != records) {
                throw new IllegalStateException("produce wrote " + written + " of " + records + " records");
            }
        }

        /** Reads what the ring holds, checking every sequence number; returns their sum. */
        long drain() {
            RingBuffer r = ring;
            long expected = seq;
            long sum = 0;
            while (r.next()) {
                long s = r.longAt(0);
                if (s != expected) {
                    throw new IllegalStateException("record " + s + ", expected " + expected);
                }
                expected = s + 1;
                sum += s;
            }
            if (expected - seq != records) {
                throw new IllegalStateException("read " + (expected - seq) + " records, expected " + records);
            }
            seq = expected;
            return sum;
        }
    }

    /** The same, filled before each operation (not timed). */
    @State(Scope.Thread)
    public static class FilledRing extends Ring {
        @Setup(Level.Invocation)
        public void refill() throws BpfException {
            fill();
        }
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Consumer only: drains a full ring of K records. */
    @Benchmark
    public long drain(FilledRing r) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        long sum = r.drain();
        r.allocated += THREADS.getCurrentThreadAllocatedBytes() - before;
        r.operations++;
        return sum;
    }

    /** Producer then consumer: fills the ring with K records (BPF_PROG_TEST_RUN) and drains it. */
    @Benchmark
    public long fillAndDrain(Ring r) throws BpfException {
        r.fill();
        return r.drain();
    }

    private static byte[] elf;

    static byte[] elf() throws IOException {
        if (elf == null) {
            try (InputStream in = RingBufferBenchmark.class.getResourceAsStream(OBJECT)) {
                if (in == null) {
                    throw new IOException(OBJECT + " is not on the class path: build with mvn package");
                }
                elf = in.readAllBytes();
            }
        }
        return elf;
    }
}

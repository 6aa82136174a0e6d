package org.ebpfagent.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfMap;
import org.ebpfagent.agent.ffm.BpfObject;
import org.ebpfagent.agent.ffm.CStruct;
import org.ebpfagent.agent.ffm.MapBatchReader;
import org.ebpfagent.agent.ffm.MapEntry;
import org.ebpfagent.agent.ffm.MapKeyIterator;
import org.ebpfagent.agent.ffm.MapValue;
import org.ebpfagent.agent.ffm.MmapArray;
import org.ebpfagent.agent.ffm.StructView;
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
 * Per-entry cost of the agent's map readers (libbpf over FFM), the Java side of
 * {@code benchmarks/c/map_read_bench.c}: the same object ({@code bpf/test/bench_maps.bpf.c}), the
 * same maps, the same N, the same paths. One benchmark operation reads all N entries once, so
 * ns/entry = score / N and B/op (gc profiler) is per whole-map read. {@code scripts/bench.sh}
 * runs both and writes docs/bench-map-read.md; needs root (or CAP_BPF).
 *
 * <p>Allocation is reported twice: by JMH's gc profiler ({@code -prof gc}, gc.alloc.rate.norm),
 * which counts every byte the benchmark thread allocates during an iteration, JMH's own
 * per-iteration bookkeeping included, divided by the iteration's operations (a few KB per
 * iteration: visible as B/op when an operation takes milliseconds); and by {@link AllocationMeter},
 * which reads the benchmark thread's allocation counter around the measured loop and prints one
 * {@code thread-alloc} line per measurement iteration. A path that allocates nothing in steady
 * state shows 0 there (but for JMH's iteration barriers, inside that window too, which now and
 * then allocate 144 bytes, as they do around a benchmark that makes no BPF call at all).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 8, time = 1)
public class MapReadBenchmark {
    static final String OBJECT = "/org/ebpfagent/bpf/test/bench_maps.bpf.o";
    static final int BATCH = 4096;

    /** The hash's {@code struct bench_value} as the cursor reads it: only the member's name is Java's. */
    static final CStruct BENCH_VALUE = CStruct.named("bench_value");
    static final CStruct.Field VALUE = BENCH_VALUE.u64("value");

    /** The same value as the one-line read returns it, matched to the member by name. */
    public record BenchValue(long value) {}

    /**
     * The hash map holding keys 0..N-1 (value 7k), with the readers. Each iteration gets a freshly
     * loaded object and map: where the kernel places the entries moves the cost of a whole-map
     * read by up to 10% from one map to the next, so the score averages over several maps (the C
     * program loads a new object for each repetition too).
     */
    @State(Scope.Thread)
    public static class HashState {
        @Param({"1000", "10000", "100000"})
        public int entries;

        final AllocationMeter meter = new AllocationMeter();
        final MapBatchReader.Sink sink = this::consume; // one object, not one per read
        final MapKeyIterator.Sink entrySink = this::consumeEntry;
        final MapBatchReader.Sink viewSink = this::consumeView;
        BpfObject object;
        BpfMap hash;
        StructView view;
        MapValue value;
        MapKeyIterator iterator;
        MapBatchReader lookup;
        MapBatchReader drain;
        long sum;

        @Setup(Level.Iteration)
        public void open() throws Exception {
            object = load();
            hash = object.map("hash");
            view = StructView.of(hash.bind(CStruct.U32, BENCH_VALUE).value());
            value = hash.newValueReader();
            lookup = MapBatchReader.lookup(hash, BATCH);
            drain = MapBatchReader.lookupAndDelete(hash, BATCH);
            iterator = MapKeyIterator.of(hash);
            fill(value, entries);
            meter.start();
        }

        @TearDown(Level.Iteration)
        public void close(BenchmarkParams benchmark, IterationParams iteration) {
            meter.stop(benchmark, iteration);
            iterator.close();
            drain.close();
            lookup.close();
            value.close();
            object.close();
        }

        void consume(MapBatchReader batch) {
            long s = 0;
            for (int i = 0; i < batch.count(); i++) {
                s += batch.valueLong(i, 0);
            }
            sum += s;
        }

        void consumeView(MapBatchReader batch) {
            long s = 0;
            for (int i = 0; i < batch.count(); i++) {
                s += batch.value(i, view).u64(VALUE);
            }
            sum += s;
        }

        void consumeEntry(MapKeyIterator entry) {
            sum += entry.valueLong(0);
        }
    }

    /** The same hash map, refilled before each invocation because each one empties it. */
    @State(Scope.Thread)
    public static class DrainState extends HashState {
        @Setup(Level.Invocation)
        public void refill() throws BpfException {
            fill(value, entries); // not timed: JMH times only the benchmark method
        }
    }

    /** The per-CPU hash holding keys 0..N-1 (7k + cpu on each possible CPU); a fresh one each iteration. */
    @State(Scope.Thread)
    public static class PerCpuState {
        @Param({"1000", "10000", "100000"})
        public int entries;

        final AllocationMeter meter = new AllocationMeter();
        final MapBatchReader.Sink sink = this::consume;
        BpfObject object;
        MapBatchReader lookup;
        long sum;

        @Setup(Level.Iteration)
        public void open() throws Exception {
            object = load();
            BpfMap map = object.map("percpu_hash");
            try (MapValue value = map.newValueReader()) {
                for (int k = 0; k < entries; k++) {
                    for (int cpu = 0; cpu < value.cpus(); cpu++) {
                        value.setLong(cpu, 0, 7L * k + cpu);
                    }
                    value.write(k);
                }
            }
            lookup = MapBatchReader.lookup(map, BATCH);
            meter.start();
        }

        @TearDown(Level.Iteration)
        public void close(BenchmarkParams benchmark, IterationParams iteration) {
            meter.stop(benchmark, iteration);
            lookup.close();
            object.close();
        }

        void consume(MapBatchReader batch) {
            long s = 0;
            for (int i = 0; i < batch.count(); i++) {
                s += batch.sumLong(i, 0);
            }
            sum += s;
        }
    }

    /** The BPF_F_MMAPABLE array (values 7i for i < N), mapped; a fresh one each iteration. */
    @State(Scope.Thread)
    public static class ArrayState {
        @Param({"1000", "10000", "100000"})
        public int entries;

        final AllocationMeter meter = new AllocationMeter();
        BpfObject object;
        MmapArray array;

        @Setup(Level.Iteration)
        public void open() throws Exception {
            object = load();
            BpfMap map = object.map("mmap_array");
            try (MapValue value = map.newValueReader()) {
                fill(value, entries);
            }
            array = MmapArray.of(map);
            if (array.valueLong(entries - 1) != 7L * (entries - 1)) {
                throw new IllegalStateException("the mmap'd array does not hold what was written");
            }
            meter.start();
        }

        @TearDown(Level.Iteration)
        public void close(BenchmarkParams benchmark, IterationParams iteration) {
            meter.stop(benchmark, iteration);
            array.close();
            object.close();
        }
    }

    /**
     * Heap bytes the benchmark thread allocates in a measurement iteration, from its own
     * allocation counter read at the end of the iteration's setup and the start of its teardown
     * (JMH's result bookkeeping is outside that window, its iteration barriers inside), with the
     * operations run meanwhile; printed as
     * {@code thread-alloc <benchmark> <entries> <bytes> <operations>}.
     */
    static final class AllocationMeter {
        private static final com.sun.management.ThreadMXBean THREADS =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long operations;
        private long start;

        void start() {
            operations = 0;
            start = THREADS.getCurrentThreadAllocatedBytes();
        }

        void stop(BenchmarkParams benchmark, IterationParams iteration) {
            long bytes = THREADS.getCurrentThreadAllocatedBytes() - start;
            if (iteration.getType() == IterationType.MEASUREMENT) {
                String name = benchmark.getBenchmark();
                System.out.println("thread-alloc " + name.substring(name.lastIndexOf('.') + 1) + " "
                        + benchmark.getParam("entries") + " " + bytes + " " + operations);
            }
        }
    }

    /** bpf_map_lookup_elem for keys 0..N-1 (MapValue.read). */
    @Benchmark
    public long hashLookupPerKey(HashState m) throws BpfException {
        m.meter.operations++;
        MapValue value = m.value;
        long s = 0;
        int found = 0;
        for (int k = 0; k < m.entries; k++) {
            if (value.read(k)) {
                s += value.longAt(0);
                found++;
            }
        }
        check(m.entries, found);
        return s;
    }

    /** bpf_map_get_next_key from the previous key, then bpf_map_lookup_elem (MapKeyIterator). */
    @Benchmark
    public long hashGetNextKeyLookup(HashState m) throws BpfException {
        m.meter.operations++;
        check(m.entries, m.iterator.read(m.entrySink));
        return m.sum;
    }

    /** BPF_MAP_LOOKUP_BATCH, 4096 entries per call (MapBatchReader.lookup). */
    @Benchmark
    public long hashLookupBatch(HashState m) throws BpfException {
        m.meter.operations++;
        check(m.entries, m.lookup.read(m.sink));
        return m.sum;
    }

    /** The same batch reads, each value read through a StructView at the offset bound from the BTF. */
    @Benchmark
    public long hashLookupBatchView(HashState m) throws BpfException {
        m.meter.operations++;
        check(m.entries, m.lookup.read(m.viewSink));
        return m.sum;
    }

    /**
     * The whole map into records in one line (BpfMap.entries: batch reads, 4096 per call, into a
     * fresh reader, then one MapEntry, key and record per entry).
     */
    @Benchmark
    public long hashEntriesRecords(HashState m) throws BpfException {
        m.meter.operations++;
        List<MapEntry<Integer, BenchValue>> entries = m.hash.entries(Integer.class, BenchValue.class);
        long s = 0;
        for (var e : entries) {
            s += e.value().value();
        }
        check(m.entries, entries.size());
        return s;
    }

    /** BPF_MAP_LOOKUP_AND_DELETE_BATCH, 4096 per call; the refill runs outside the timed part. */
    @Benchmark
    public long hashLookupAndDeleteBatch(DrainState m) throws BpfException {
        m.meter.operations++;
        check(m.entries, m.drain.read(m.sink));
        return m.sum;
    }

    /** BPF_MAP_LOOKUP_BATCH on the per-CPU hash, 4096 keys per call, every CPU's value summed. */
    @Benchmark
    public long percpuHashLookupBatch(PerCpuState m) throws BpfException {
        m.meter.operations++;
        check(m.entries, m.lookup.read(m.sink));
        return m.sum;
    }

    /** Sum of the first N values of the mmap'd array, plain loads (MmapArray.valueLong). */
    @Benchmark
    public long arrayMmapRead(ArrayState m) {
        m.meter.operations++;
        MmapArray array = m.array;
        long s = 0;
        for (int i = 0; i < m.entries; i++) {
            s += array.valueLong(i);
        }
        return s;
    }

    /**
     * The same with an acquire load per value (MmapArray.valueLongAcquire): not how a sum should
     * be read (plain loads are enough for independent counters), measured to show what
     * per-value ordering costs in C2.
     */
    @Benchmark
    public long arrayMmapReadAcquire(ArrayState m) {
        m.meter.operations++;
        MmapArray array = m.array;
        long s = 0;
        for (int i = 0; i < m.entries; i++) {
            s += array.valueLongAcquire(i);
        }
        return s;
    }

    private static byte[] elf;

    static BpfObject load() throws IOException, BpfException {
        if (elf == null) {
            try (InputStream in = MapReadBenchmark.class.getResourceAsStream(OBJECT)) {
                if (in == null) {
                    throw new IOException(OBJECT + " is not on the class path: build with mvn package");
                }
                elf = in.readAllBytes();
            }
        }
        BpfObject object = BpfObject.open("bench_maps", elf);
        object.load();
        return object;
    }

    /** Keys 0..n-1 with value 7k, one bpf_map_update_elem each. */
    static void fill(MapValue value, int n) throws BpfException {
        for (int k = 0; k < n; k++) {
            value.setLong(0, 7L * k);
            value.write(k);
        }
    }

    static void check(int expected, int read) {
        if (read != expected) {
            throw new IllegalStateException("read " + read + " entries, expected " + expected);
        }
    }
}

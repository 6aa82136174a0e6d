package org.ebpfagent.agent.ffm;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lookup batch and lookup-and-delete batch on every map type the agent reads (hash, LRU hash,
 * per-CPU hash, LRU per-CPU hash, array, per-CPU array of {@code bpf/test/typed_maps.bpf.c}),
 * each holding 10,000 entries written from user space: every key exactly once, each value (each
 * CPU's value) as written, through chunked reads, whole-map reads, and batches of one entry
 * (which force ENOSPC on every hash bucket that holds two or more keys).
 */
class BatchPathsIT {
    static final int N = 10_000;
    static final List<String> HASHES = List.of("hash", "lru_hash", "percpu_hash", "lru_percpu_hash");

    BpfObject object;

    @BeforeEach
    void load() throws Exception {
        object = BpfObject.open("typed_maps", MapBatchReaderIT.testObject("typed_maps"));
        object.load();
    }

    @AfterEach
    void close() {
        object.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"hash", "lru_hash", "percpu_hash", "lru_percpu_hash", "array", "percpu_array"})
    void lookupBatchReadsEveryKeyOnceWithItsValue(String name) throws Exception {
        BpfMap map = object.map(name);
        fill(map);
        try (MapBatchReader reader = MapBatchReader.lookup(map, 64)) {
            boolean[] seen = new boolean[N];
            int total = reader.read(b -> check(b, seen, map.isPerCpu()));
            assertEquals(N, total);
            assertEquals(64, reader.capacity(), "no bucket of a 16384-bucket map holds 64 keys");
            // 10,000 / 64 = 157 chunks at least; the hash may return fewer than 64 when a bucket
            // does not fit the rest of a chunk.
            assertTrue(reader.calls() >= 157, "calls " + reader.calls());

            assertEquals(N, reader.readAll(), "the map is unchanged by lookup");
            assertEquals(N, reader.count());
            check(reader, new boolean[N], map.isPerCpu());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hash", "lru_hash", "percpu_hash", "lru_percpu_hash"})
    void bucketsLargerThanTheBatchAnswerEnospcAndTheReaderGrows(String name) throws Exception {
        BpfMap map = object.map(name);
        fill(map);
        try (MapBatchReader reader = MapBatchReader.lookup(map, 1)) {
            boolean[] seen = new boolean[N];
            assertEquals(N, reader.read(b -> check(b, seen, map.isPerCpu())));
            // 10,000 keys in 16,384 buckets: thousands of buckets hold two keys or more.
            assertTrue(reader.grows() >= 1, "a batch of one must meet ENOSPC");
            assertEquals(1L << reader.grows(), reader.capacity());
        }
        try (MapBatchReader drain = MapBatchReader.lookupAndDelete(map, 1)) {
            assertEquals(N, drain.readAll());
            assertTrue(drain.grows() >= 1);
            check(drain, new boolean[N], map.isPerCpu());
            assertEquals(0, drain.readAll(), "lookup-and-delete leaves the map empty");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hash", "lru_hash", "percpu_hash", "lru_percpu_hash"})
    void lookupAndDeleteReturnsEveryKeyOnceAndEmptiesTheMap(String name) throws Exception {
        BpfMap map = object.map(name);
        fill(map);
        try (MapBatchReader drain = MapBatchReader.lookupAndDelete(map, 256);
             MapBatchReader lookup = MapBatchReader.lookup(map, 256);
             MapKeyIterator walk = MapKeyIterator.of(map)) {
            assertEquals(N, walk.read(e -> { }));
            boolean[] seen = new boolean[N];
            assertEquals(N, drain.read(b -> check(b, seen, map.isPerCpu())));
            assertEquals(0, lookup.read(b -> { }));
            assertEquals(0, walk.read(e -> { }));
            assertEquals(0, drain.read(b -> { }), "an empty map ends at once with ENOENT");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"array", "percpu_array"})
    void lookupAndDeleteOnAnArrayReportsThatTheKernelCannot(String name) throws Exception {
        BpfMap map = object.map(name);
        fill(map);
        try (MapBatchReader drain = MapBatchReader.lookupAndDelete(map, 256)) {
            BpfException e = assertThrows(BpfException.class, () -> drain.read(b -> { }));
            // The kernel has no lookup-and-delete batch for arrays: bpf() answers ENOTSUPP (524).
            assertEquals(Errno.ENOTSUPP, e.errno());
            assertEquals("lookup and delete batch " + name + ": ENOTSUPP (array maps cannot delete entries,"
                    + " the kernel has no lookup-and-delete for them: read with lookup)", e.getMessage());
        }
        try (MapBatchReader lookup = MapBatchReader.lookup(map, 256)) {
            boolean[] seen = new boolean[N];
            assertEquals(N, lookup.read(b -> check(b, seen, map.isPerCpu())), "the failed delete removed nothing");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hash", "percpu_hash", "array"})
    void getNextKeyIterationReadsEveryKeyOnce(String name) throws Exception {
        BpfMap map = object.map(name);
        fill(map);
        boolean perCpu = map.isPerCpu();
        int cpus = map.valueCpus();
        try (MapKeyIterator walk = MapKeyIterator.of(map)) {
            boolean[] seen = new boolean[N];
            assertEquals(N, walk.read(e -> {
                int k = e.keyInt();
                assertTrue(!seen[k], "key " + k + " read twice");
                seen[k] = true;
                if (perCpu) {
                    for (int cpu = 0; cpu < cpus; cpu++) {
                        assertEquals(packedCpuValue(k, cpu), e.valueLong(cpu, 0));
                    }
                } else {
                    assertEquals(k * 7L, e.valueLong(0));
                    assertEquals(k * 3L, e.valueLong(8));
                }
            }));
            assertEquals(2L * N + 1, walk.calls());
        }
    }

    /** Non-per-CPU maps: {a = 7k, b = 3k}. Per-CPU maps ({key, cpu, tag}): {k, c, 31k + c} on CPU c. */
    private static void fill(BpfMap map) throws BpfException {
        int n = Math.min(N, map.maxEntries());
        try (MapValue v = map.newValueReader()) {
            for (int k = 0; k < n; k++) {
                if (map.isPerCpu()) {
                    for (int cpu = 0; cpu < v.cpus(); cpu++) {
                        v.setInt(cpu, 0, k);
                        v.setInt(cpu, 4, cpu);
                        v.setInt(cpu, 8, 31 * k + cpu);
                    }
                } else {
                    v.setLong(0, k * 7L);
                    v.setLong(8, k * 3L);
                }
                v.write(k);
            }
        }
    }

    private static void check(MapBatchReader b, boolean[] seen, boolean perCpu) {
        for (int i = 0; i < b.count(); i++) {
            int k = b.keyInt(i);
            assertTrue(k >= 0 && k < N, "key " + k);
            assertTrue(!seen[k], "key " + k + " read twice");
            seen[k] = true;
            if (perCpu) {
                long tags = 0;
                for (int cpu = 0; cpu < b.cpus(); cpu++) {
                    assertEquals(k, b.valueInt(i, cpu, 0));
                    assertEquals(cpu, b.valueInt(i, cpu, 4));
                    assertEquals(31 * k + cpu, b.valueInt(i, cpu, 8));
                    tags += 31 * k + cpu;
                }
                assertEquals(tags, b.sumInt(i, 8));
            } else {
                assertEquals(k * 7L, b.valueLong(i, 0));
                assertEquals(k * 3L, b.valueLong(i, 8));
            }
        }
    }

    private static long packedCpuValue(int k, int cpu) {
        return (k & 0xffffffffL) | ((long) cpu << 32);
    }
}

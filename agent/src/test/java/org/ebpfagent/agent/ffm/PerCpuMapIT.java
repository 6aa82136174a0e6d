package org.ebpfagent.agent.ffm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-CPU maps written by a real program on known CPUs: {@code put} in
 * {@code bpf/test/typed_maps.bpf.c}, run with BPF_PROG_TEST_RUN on a chosen CPU, stores
 * {key, its CPU, tag} (12 bytes, which the kernel copies out as 16 per CPU) for that CPU only.
 * The oracle is what each run was told to write and where; the CPU count comes from sysfs.
 */
class PerCpuMapIT {
    static final int KEY = 0;
    static final int CPU = 4;
    static final int TAG = 8;

    BpfObject object;
    int possible;
    List<Integer> online;

    @BeforeEach
    void load() throws Exception {
        object = BpfObject.open("typed_maps", MapBatchReaderIT.testObject("typed_maps"));
        object.load();
        possible = cpuList("possible").size();
        online = cpuList("online");
    }

    @AfterEach
    void close() {
        object.close();
    }

    @Test
    void sizedByPossibleCpusWithValuesRoundedUpToEightBytes() throws Exception {
        BpfMap map = object.map("cpu_hash");
        assertTrue(map.isPerCpu());
        assertEquals(12, map.valueSize());
        assertEquals(16, map.cpuStride());
        assertEquals(possible, map.valueCpus(), "per-CPU values are sized by the possible CPUs");
        assertEquals(16 * possible, map.entryValueBytes());
        assertEquals(1, object.map("layout").valueCpus());
    }

    @Test
    void eachCpusValueIsWhatTheProgramWroteOnThatCpu() throws Exception {
        int first = online.getFirst();
        int last = online.getLast();
        // Key 1 only on the first CPU, key 2 only on the last, key 3 on every online CPU.
        put(1, 101, first);
        put(2, 202, last);
        for (int cpu : online) {
            put(3, 300 + cpu, cpu);
        }
        try (MapBatchReader hash = MapBatchReader.lookup(object.map("cpu_hash"), 2);
             MapBatchReader array = MapBatchReader.lookup(object.map("cpu_array"), 3)) {
            assertEquals(possible, hash.cpus());
            assertEquals(3, hash.readAll());
            boolean[] seen = new boolean[4];
            for (int i = 0; i < hash.count(); i++) {
                int key = hash.keyInt(i);
                assertTrue(!seen[key], "key read twice");
                seen[key] = true;
                for (int cpu = 0; cpu < possible; cpu++) {
                    int tag = expectedTag(key, cpu, first, last);
                    // A CPU the program did not run on holds zeros: the kernel zeroes the other
                    // CPUs' slots of an element a program creates.
                    assertEquals(tag == 0 ? 0 : key, hash.valueInt(i, cpu, KEY), "key " + key + " cpu " + cpu);
                    assertEquals(tag == 0 ? 0 : cpu, hash.valueInt(i, cpu, CPU), "key " + key + " cpu " + cpu);
                    assertEquals(tag, hash.valueInt(i, cpu, TAG), "key " + key + " cpu " + cpu);
                }
            }
            long sum3 = 0;
            for (int cpu : online) {
                sum3 += 300 + cpu;
            }
            int i3 = indexOf(hash, 3);
            assertEquals(sum3, hash.sumInt(i3, TAG));

            // The array holds every key from creation; keys 0 and 4..7 were never written.
            assertEquals(8, array.readAll());
            for (int i = 0; i < array.count(); i++) {
                int key = array.keyInt(i);
                assertEquals(i, key, "arrays are read in key order");
                for (int cpu = 0; cpu < possible; cpu++) {
                    int tag = key >= 1 && key <= 3 ? expectedTag(key, cpu, first, last) : 0;
                    assertEquals(tag, array.valueInt(i, cpu, TAG), "key " + key + " cpu " + cpu);
                    assertEquals(tag == 0 ? 0 : cpu, array.valueInt(i, cpu, CPU), "key " + key + " cpu " + cpu);
                }
            }
        }
        try (MapValue total = object.map("cpu_total").newValueReader()) {
            assertTrue(total.read(0));
            long sum = 0;
            for (int cpu = 0; cpu < possible; cpu++) {
                long own = 0;
                for (int key = 1; key <= 3; key++) {
                    own += expectedTag(key, cpu, first, last);
                }
                assertEquals(own, total.longAt(cpu, 0), "cpu " + cpu);
                sum += own;
            }
            assertEquals(sum, total.sumLong(0));
        }
        try (MapValue one = object.map("cpu_hash").newValueReader()) {
            assertTrue(one.read(2));
            assertEquals(202, one.intAt(last, TAG));
            assertEquals(last, one.intAt(last, CPU));
        }
    }

    @Test
    void getNextKeyIterationReadsEveryCpusValue() throws Exception {
        for (int cpu : online) {
            for (int key = 10; key < 20; key++) {
                put(key, key * 100 + cpu, cpu);
            }
        }
        try (MapKeyIterator it = MapKeyIterator.of(object.map("cpu_hash"))) {
            boolean[] seen = new boolean[20];
            int n = it.read(e -> {
                int key = e.keyInt();
                assertTrue(!seen[key], "key read twice");
                seen[key] = true;
                for (int cpu : online) {
                    long packed = e.valueLong(cpu, TAG - 4); // cpu (low half) and tag (high half)
                    assertEquals(cpu, (int) packed);
                    assertEquals(key * 100 + cpu, (int) (packed >>> 32));
                }
            });
            assertEquals(10, n);
            assertEquals(2 * 10 + 1, it.calls(), "one get_next_key and one lookup per key, and the final get_next_key");
        }
    }

    private void put(int key, int tag, int cpu) throws BpfException {
        assertEquals(cpu, object.testRun("put", new long[] {key, tag}, cpu), "the program ran on cpu " + cpu);
    }

    private int expectedTag(int key, int cpu, int first, int last) {
        return switch (key) {
            case 1 -> cpu == first ? 101 : 0;
            case 2 -> cpu == last ? 202 : 0;
            case 3 -> online.contains(cpu) ? 300 + cpu : 0;
            default -> 0;
        };
    }

    private static int indexOf(MapBatchReader r, int key) {
        for (int i = 0; i < r.count(); i++) {
            if (r.keyInt(i) == key) {
                return i;
            }
        }
        throw new AssertionError("key " + key + " not read");
    }

    /** CPUs listed in /sys/devices/system/cpu/{possible,online}, e.g. "0-3,6". */
    static List<Integer> cpuList(String which) throws Exception {
        List<Integer> cpus = new ArrayList<>();
        for (String range : Files.readString(Path.of("/sys/devices/system/cpu/" + which)).trim().split(",")) {
            String[] ends = range.split("-");
            int from = Integer.parseInt(ends[0]);
            int to = ends.length > 1 ? Integer.parseInt(ends[1]) : from;
            for (int c = from; c <= to; c++) {
                cpus.add(c);
            }
        }
        return cpus;
    }
}

package org.ebpfagent.agent.ffm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Values written through bpf() are read back from the mapped memory, and misuse fails clearly. */
class MmapArrayIT {

    @Test
    void mappedValuesAreWhatTheKernelHolds() throws Exception {
        try (BpfObject object = BpfObject.open("bench_maps", MapBatchReaderIT.testObject("bench_maps"))) {
            object.load();
            BpfMap map = object.map("mmap_array");
            try (MapValue writer = map.newValueReader(); MmapArray array = MmapArray.of(map)) {
                assertEquals(map.maxEntries(), array.entries());
                assertEquals(0, array.valueLong(12_345), "a fresh array is zeroed");
                for (int k = 0; k < 1000; k++) {
                    writer.setLong(0, k * 7L + 1);
                    writer.write(k * 97);
                }
                for (int k = 0; k < 1000; k++) { // the mapping sees the kernel's memory, no copy
                    assertEquals(k * 7L + 1, array.valueLong(k * 97));
                    assertEquals(k * 7L + 1, array.valueLongAcquire(k * 97));
                }
                assertThrows(IndexOutOfBoundsException.class, () -> array.valueLong(array.entries()));
            }
            BpfException e = assertThrows(BpfException.class, () -> MmapArray.of(object.map("hash")));
            assertEquals("mmap", e.step());
        }
    }
}

package org.ebpfagent.agent.ffm;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Binding maps to Java struct declarations, checked against the BTF of a real object
 * ({@code bpf/test/typed_maps.bpf.c}, {@code struct layout_value}: total_ns@0, count@8,
 * flags@12, last_ns@16, name[12]@24, 40 bytes).
 */
class TypedMapIT {
    static final CStruct RIGHT = CStruct.named("LayoutValue")
            .u64("total_ns").u32("count").u32("flags").u64("last_ns").bytes("name", 12).build();

    BpfObject object;

    @BeforeEach
    void open() throws Exception {
        object = BpfObject.open("typed_maps", MapBatchReaderIT.testObject("typed_maps"));
    }

    @AfterEach
    void close() {
        object.close();
    }

    @Test
    void declarationMatchingTheCStructBindsAndReadsBack() throws Exception {
        assertEquals(40, RIGHT.size(), "natural alignment and tail padding, as the C compiler lays it out");
        BpfMap map = object.map("layout");
        assertSame(map, map.bind(CStruct.U32, RIGHT));
        object.load();
        try (MapValue v = map.newValueReader()) {
            for (int k = 0; k < 10; k++) {
                v.setLong(RIGHT.offset("total_ns"), 1_000_000L * k);
                v.setLong(RIGHT.offset("last_ns"), -k);
                v.setInt(0, RIGHT.offset("count"), k * 3);
                v.write(k);
            }
        }
        try (MapBatchReader reader = MapBatchReader.lookup(map, 4)) {
            assertEquals(10, reader.readAll());
            boolean[] seen = new boolean[10];
            for (int i = 0; i < reader.count(); i++) {
                int k = reader.keyInt(i);
                assertTrue(!seen[k], "key read twice");
                seen[k] = true;
                assertEquals(1_000_000L * k, reader.valueLong(i, RIGHT.offset("total_ns")));
                assertEquals(-k, reader.valueLong(i, RIGHT.offset("last_ns")));
                assertEquals(k * 3, reader.valueInt(i, RIGHT.offset("count")));
            }
        }
    }

    @Test
    void wrongOffsetFailsNamingTheMapAndTheField() throws Exception {
        // flags declared as a u64: last_ns moves from 16 to 24, name from 24 to 32.
        CStruct wrong = CStruct.named("LayoutValue")
                .u64("total_ns").u32("count").u64("flags").u64("last_ns").bytes("name", 12).build();
        BpfException e = assertThrows(BpfException.class, () -> object.map("layout").bind(CStruct.U32, wrong));
        assertEquals("check layout", e.step());
        assertEquals("map layout", e.target());
        assertEquals(Errno.EINVAL, e.errno());
        String m = e.getMessage();
        assertTrue(m.startsWith("check layout map layout: EINVAL ("), m);
        assertTrue(m.contains("value: field last_ns at offset 16 in BTF struct layout_value, 24 in LayoutValue"), m);
        assertTrue(m.contains("value: field flags at offset 12 in BTF struct layout_value, 16 in LayoutValue"), m);
        assertTrue(m.contains("value: field flags is 4 bytes in BTF struct layout_value, 8 in LayoutValue"), m);
        assertTrue(m.contains("value: size 40 bytes in BTF struct layout_value, 48 in LayoutValue"), m);
    }

    @Test
    void sameSizeButSwappedFieldsStillFails() throws Exception {
        // Size alone (the old check) cannot see this: two u32s in the wrong order.
        CStruct swapped = CStruct.named("LayoutValue")
                .u64("total_ns").u32("flags").u32("count").u64("last_ns").bytes("name", 12).build();
        assertEquals(RIGHT.size(), swapped.size());
        BpfException e = assertThrows(BpfException.class, () -> object.map("layout").bind(CStruct.U32, swapped));
        assertTrue(e.getMessage().contains("field flags at offset 12 in BTF struct layout_value, 8 in LayoutValue"), e.getMessage());
        assertTrue(e.getMessage().contains("field count at offset 8 in BTF struct layout_value, 12 in LayoutValue"), e.getMessage());
    }

    @Test
    void fieldMissingInCAndWrongKeyAreNamed() throws Exception {
        CStruct renamed = CStruct.named("LayoutValue")
                .u64("total_ns").u32("count").u32("flag").u64("last_ns").bytes("name", 12).build();
        BpfException e = assertThrows(BpfException.class, () -> object.map("layout").bind(CStruct.U64, renamed));
        String m = e.getMessage();
        assertTrue(m.contains("key: size 4 bytes in BTF __u32, 8 in u64"), m);
        assertTrue(m.contains("value: field flag of LayoutValue is not in BTF struct layout_value"), m);
    }

    @Test
    void perCpuValueIsCheckedAsOneCpusValue() throws Exception {
        CStruct cpuValue = CStruct.named("CpuValue").u32("key").u32("cpu").u32("tag").build();
        assertEquals(12, cpuValue.size());
        object.map("cpu_hash").bind(CStruct.U32, cpuValue);
        object.map("cpu_array").bind(CStruct.U32, cpuValue);
        object.map("cpu_total").bind(CStruct.U32, CStruct.U64);
    }

    @Test
    void nameIsReadBackAsWritten() throws Exception {
        object.load();
        BpfMap map = object.map("layout").bind(CStruct.U32, RIGHT);
        try (MapValue v = map.newValueReader(); MapBatchReader reader = MapBatchReader.lookup(map, 16)) {
            byte[] name = "worker-7".getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < name.length; i++) {
                v.setByte(RIGHT.offset("name") + i, name[i]);
            }
            v.write(7);
            assertEquals(1, reader.readAll());
            assertEquals("worker-7", reader.valueString(0, RIGHT.offset("name"), 12));
        }
    }
}

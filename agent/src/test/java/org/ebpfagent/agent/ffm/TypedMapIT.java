package org.ebpfagent.agent.ffm;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Layouts bound from the BTF of a real object ({@code bpf/test/typed_maps.bpf.c}) and maps read
 * through them, the cursor way and the one-line way. The values are written by the BPF program
 * {@code fill} (run with BPF_PROG_TEST_RUN), so the C compiler placed every member; the expected
 * values are computed here from fill's formulas.
 */
class TypedMapIT {
    record RichKey(int tid, short cpu) {}

    record Sample(int id, int delta) {}

    record Rich(long totalNs, long offset, int port, boolean enabled, String name, byte[] raw,
                Sample[] samples, Sample last, long kindPlus1) {}

    record CpuValue(int key, int cpu, int tag) {}

    record FillCounters(long runs, long entries) {}

    /** The same struct, read as the agent's hot path reads it. */
    static final CStruct SAMPLE = CStruct.named("sample");
    static final CStruct.Field SAMPLE_ID = SAMPLE.u32("id");
    static final CStruct.Field SAMPLE_DELTA = SAMPLE.u32("delta");
    static final CStruct RICH = CStruct.named("rich_value");
    static final CStruct.Field TOTAL_NS = RICH.u64("total_ns");
    static final CStruct.Field OFFSET = RICH.u32("offset");
    static final CStruct.Field PORT = RICH.u16("port");
    static final CStruct.Field ENABLED = RICH.u8("enabled");
    static final CStruct.Field NAME = RICH.bytes("name", 9);
    static final CStruct.Field SAMPLES = RICH.structs("samples", SAMPLE);
    static final CStruct.Field KIND_PLUS_1 = RICH.u64("kind_plus_1");
    static final CStruct RICH_KEY = CStruct.named("rich_key");
    static final CStruct.Field KEY_TID = RICH_KEY.u32("tid");
    static final CStruct FILL_CONFIG = CStruct.named("fill_config");
    static final CStruct.Field SCALE = FILL_CONFIG.u32("scale");

    static final int SCALE_VALUE = 1_000_003;
    static final int KEYS = 10;

    BpfObject object;

    @BeforeEach
    void open() throws Exception {
        object = BpfObject.open("typed_maps", MapBatchReaderIT.testObject("typed_maps"));
    }

    @AfterEach
    void close() {
        object.close();
    }

    /** Sets the scale in .rodata through a view, loads, runs fill for k = 0..KEYS-1. */
    private void loadAndFill() throws Exception {
        BpfMap rodata = object.map(".rodata");
        rodata.initialValue(rodata.bindVariable("fill_config", FILL_CONFIG)).setU32(SCALE, SCALE_VALUE);
        object.load();
        for (int k = 0; k < KEYS; k++) {
            assertEquals(0, object.testRun("fill", new long[] {k}, -1));
        }
    }

    private static void assertRich(int k, Rich r) {
        assertEquals((long) k * SCALE_VALUE, r.totalNs(), "total_ns: u64, and .rodata's scale");
        assertEquals(-k - 1L, r.offset(), "offset: __s32 sign-extended into long");
        assertEquals(40000 + k, r.port(), "port: __u16 zero-extended into int");
        assertEquals((k & 1) == 1, r.enabled());
        assertEquals("n-" + k, r.name());
        assertArrayEquals(new byte[] {(byte) k, (byte) 0xff, (byte) 0x80, 7}, r.raw());
        assertEquals(3, r.samples().length);
        for (int i = 0; i < 3; i++) {
            assertEquals(new Sample(k * 10 + i, -i), r.samples()[i]);
        }
        assertEquals(new Sample(k, -2 * k), r.last());
        assertEquals(k + 1L, r.kindPlus1(), "kindPlus1 matches kind_plus_1");
    }

    @Test
    void hashReadsIntoRecordsInOneLine() throws Exception {
        loadAndFill();
        List<MapEntry<RichKey, Rich>> entries = object.map("rich").entries(RichKey.class, Rich.class);
        assertEquals(KEYS, entries.size());
        boolean[] seen = new boolean[KEYS];
        for (var e : entries) {
            int k = e.key().cpu();
            assertEquals(1000 + k, e.key().tid());
            assertTrue(!seen[k], "key read twice");
            seen[k] = true;
            assertRich(k, e.value());
        }
    }

    @Test
    void arrayReadsIntoRecordsInOneLine() throws Exception {
        loadAndFill();
        List<MapEntry<Integer, Rich>> entries = object.map("rich_array").entries(Integer.class, Rich.class);
        assertEquals(4, entries.size(), "every index of an array exists");
        for (int k = 0; k < 4; k++) {
            assertEquals(k, entries.get(k).key());
            assertRich(k, entries.get(k).value());
        }
    }

    @Test
    void perCpuMapsReadOneValuePerPossibleCpu() throws Exception {
        object.load();
        int cpus = Runtime.getRuntime().availableProcessors();
        long tags = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            assertEquals(cpu, object.testRun("put", new long[] {5, 100 + cpu}, cpu));
            tags += 100 + cpu;
        }
        List<MapEntry<Integer, List<CpuValue>>> hash = object.map("cpu_hash").perCpuEntries(Integer.class, CpuValue.class);
        assertEquals(1, hash.size());
        assertEquals(5, hash.get(0).key());
        List<CpuValue> values = hash.get(0).value();
        assertEquals(object.map("cpu_hash").valueCpus(), values.size(), "one value per possible CPU");
        for (int cpu = 0; cpu < values.size(); cpu++) {
            assertEquals(cpu < cpus ? new CpuValue(5, cpu, 100 + cpu) : new CpuValue(0, 0, 0), values.get(cpu));
        }
        List<MapEntry<Integer, List<Long>>> total = object.map("cpu_total").perCpuEntries(Integer.class, Long.class);
        assertEquals(tags, total.get(0).value().stream().mapToLong(Long::longValue).sum());
        assertThrows(IllegalStateException.class, () -> object.map("cpu_hash").entries(Integer.class, CpuValue.class));
    }

    @Test
    void cursorReadsEqualRecordReads() throws Exception {
        loadAndFill();
        BpfMap map = object.map("rich");
        BpfMap.Layout layout = map.bind(RICH_KEY, RICH);
        List<Rich> viaCursor = new ArrayList<>();
        List<Integer> tids = new ArrayList<>();
        try (MapBatchReader reader = MapBatchReader.lookup(map, 4)) {
            StructView key = StructView.of(layout.key());
            StructView value = StructView.of(layout.value());
            StructView sample = StructView.of(layout.value().element(SAMPLES));
            assertEquals(KEYS, reader.readAll());
            for (int i = 0; i < reader.count(); i++) {
                tids.add(reader.key(i, key).u32(KEY_TID));
                reader.value(i, value);
                Sample[] samples = new Sample[value.length(SAMPLES)];
                for (int s = 0; s < samples.length; s++) {
                    value.element(SAMPLES, s, sample);
                    samples[s] = new Sample(sample.u32(SAMPLE_ID), sample.u32(SAMPLE_DELTA));
                }
                viaCursor.add(new Rich(value.u64(TOTAL_NS), value.u32(OFFSET), Short.toUnsignedInt(value.u16(PORT)),
                        value.u8(ENABLED) != 0, value.string(NAME), null, samples, null, value.u64(KIND_PLUS_1)));
            }
        }
        List<MapEntry<RichKey, Rich>> viaRecords = map.entries(RichKey.class, Rich.class);
        for (int i = 0; i < KEYS; i++) {
            MapEntry<RichKey, Rich> e = viaRecords.get(i);
            Rich c = viaCursor.get(i);
            assertEquals(e.key().tid(), tids.get(i), "the same order: the same batch reads");
            assertEquals(e.value().totalNs(), c.totalNs());
            assertEquals(e.value().offset(), c.offset());
            assertEquals(e.value().port(), c.port());
            assertEquals(e.value().enabled(), c.enabled());
            assertEquals(e.value().name(), c.name());
            assertArrayEquals(e.value().samples(), c.samples());
            assertEquals(e.value().kindPlus1(), c.kindPlus1());
        }
    }

    @Test
    void globalVariablesReadInOneLine() throws Exception {
        loadAndFill();
        FillCounters c = object.map(".bss").variable("fill_counters", FillCounters.class);
        assertEquals(new FillCounters(KEYS, KEYS + 4), c);
    }

    @Test
    void aMissingMemberFailsTheBindNamingMapAndMember() throws Exception {
        CStruct wrong = CStruct.named("rich_value");
        wrong.u64("total_ns");
        wrong.u32("offsets");
        BpfException e = assertThrows(BpfException.class, () -> object.map("rich").bind(RICH_KEY, wrong));
        assertEquals("check layout", e.step());
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("check layout map rich: EINVAL (value: BTF struct rich_value has no member offsets)", e.getMessage());
    }

    @Test
    void aResizedMemberFailsTheBindNamingMapAndMember() throws Exception {
        CStruct wrong = CStruct.named("rich_value");
        wrong.u32("total_ns");
        wrong.bytes("name", 16);
        CStruct sample = CStruct.named("sample");
        sample.u64("id");
        wrong.structs("samples", sample);
        BpfException e = assertThrows(BpfException.class, () -> object.map("rich_array").bind(CStruct.U64, wrong));
        String m = e.getMessage();
        assertTrue(m.startsWith("check layout map rich_array: EINVAL ("), m);
        assertTrue(m.contains("key: 4 bytes in the map, the agent reads 8 (u64)") || m.contains("key: BTF __u32 is 4 bytes, the agent reads 8 (u64)"), m);
        assertTrue(m.contains("value: member total_ns of BTF struct rich_value is 8 bytes, the agent reads 4"), m);
        assertTrue(m.contains("value: member name of BTF struct rich_value is 9 bytes, the agent reads 16"), m);
        assertTrue(m.contains("value: samples[]: member id of BTF struct sample is 4 bytes, the agent reads 8"), m);
    }

    @Test
    void aStructOfAnotherNameFailsTheBind() throws Exception {
        CStruct other = CStruct.named("layout_value");
        other.u64("total_ns");
        BpfException e = assertThrows(BpfException.class, () -> object.map("rich").bind(RICH_KEY, other));
        assertEquals("check layout map rich: EINVAL (value: BTF type is struct rich_value, the agent reads struct layout_value)",
                e.getMessage());
    }

    record NoSuchMember(long totalNs, long missingNs) {}

    record TooNarrow(int totalNs) {}

    record NotAString(String port) {}

    @Test
    void recordsThatDoNotFitFailNamingRecordComponentAndBtfType() throws Exception {
        object.load();
        BpfMap map = object.map("rich");
        BpfException missing = assertThrows(BpfException.class, () -> map.entries(RichKey.class, NoSuchMember.class));
        assertEquals("check layout map rich: EINVAL (value: record NoSuchMember, component missingNs (long): "
                + "BTF struct rich_value has no member missingNs nor missing_ns)", missing.getMessage());
        BpfException narrow = assertThrows(BpfException.class, () -> map.entries(RichKey.class, TooNarrow.class));
        assertEquals("check layout map rich: EINVAL (value: record TooNarrow, component totalNs (int), member total_ns "
                + "of BTF struct rich_value: BTF __u64, 8 bytes: does not fit in int)", narrow.getMessage());
        BpfException string = assertThrows(BpfException.class, () -> map.entries(RichKey.class, NotAString.class));
        assertTrue(string.getMessage().contains("component port (String), member port of BTF struct rich_value: "
                + "BTF __u16, 2 bytes: a String needs a char array"), string.getMessage());
        BpfException key = assertThrows(BpfException.class, () -> map.entries(Short.class, Rich.class));
        assertTrue(key.getMessage().contains("key: Short: BTF struct rich_key, 8 bytes: not an integer"), key.getMessage());
    }

    @Test
    void snakeCaseCandidates() {
        assertEquals(List.of("onCpuNs", "on_cpu_ns"), RecordReader.candidates("onCpuNs"));
        assertEquals(List.of("kindPlus1", "kind_plus1", "kind_plus_1"), RecordReader.candidates("kindPlus1"));
        assertEquals(List.of("tid"), RecordReader.candidates("tid"));
    }
}

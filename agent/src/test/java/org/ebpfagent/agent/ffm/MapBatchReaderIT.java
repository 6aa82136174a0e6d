package org.ebpfagent.agent.ffm;

import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batch reads of real kernel maps against the exact contents written into them. */
class MapBatchReaderIT {
    static final int ENTRIES = 10_000;

    BpfObject object;

    @BeforeEach
    void load() throws Exception {
        object = BpfObject.open("maps_test", testObject("maps_test"));
        object.load();
    }

    @AfterEach
    void close() {
        object.close();
    }

    @Test
    void hashMapIsReadWholeWithEveryKeyOnceEvenWhenBucketsOutgrowTheBatch() throws Exception {
        BpfMap hash = object.map("hash");
        fill(hash, ENTRIES);
        // A batch of one entry: every bucket holding two or more keys answers ENOSPC and the
        // reader must grow and retry the same bucket instead of skipping or failing.
        try (MapBatchReader reader = MapBatchReader.lookup(hash, 1)) {
            Map<Integer, Long> seen = new HashMap<>();
            int total = reader.read(b -> {
                for (int i = 0; i < b.count(); i++) {
                    assertNull(seen.put(b.keyInt(i), b.valueLong(i, 0)), "key read twice");
                    assertEquals(b.keyInt(i) * 3L, b.valueLong(i, 8));
                }
            });
            assertEquals(ENTRIES, total);
            assertEquals(ENTRIES, seen.size());
            seen.forEach((k, v) -> assertEquals(k * 7L, v));
            assertTrue(reader.capacity() > 1, "the reader should have grown past one entry");
        }
    }

    @Test
    void lookupLeavesEntriesAndLookupAndDeleteRemovesThem() throws Exception {
        BpfMap hash = object.map("hash");
        fill(hash, ENTRIES);
        try (MapBatchReader lookup = MapBatchReader.lookup(hash, 4096);
             MapBatchReader drain = MapBatchReader.lookupAndDelete(hash, 4096)) {
            assertEquals(ENTRIES, lookup.read(b -> { }));
            assertEquals(ENTRIES, lookup.read(b -> { }), "a lookup must not remove entries");
            long[] sum = new long[1];
            assertEquals(ENTRIES, drain.read(b -> {
                for (int i = 0; i < b.count(); i++) {
                    sum[0] += b.valueLong(i, 0);
                }
            }));
            assertEquals(7L * ENTRIES * (ENTRIES - 1) / 2, sum[0]);
            assertEquals(0, lookup.read(b -> { }), "lookup-and-delete must leave the map empty");
            assertEquals(0, drain.read(b -> { }), "an empty map reads as zero entries (ENOENT at once)");
        }
    }

    @Test
    void arrayMapIsReadInKeyOrder() throws Exception {
        BpfMap array = object.map("array");
        fill(array, array.maxEntries());
        try (MapBatchReader reader = MapBatchReader.lookup(array, 1000)) {
            int[] next = {0};
            int total = reader.read(b -> {
                for (int i = 0; i < b.count(); i++) {
                    assertEquals(next[0]++, b.keyInt(i));
                    assertEquals(b.keyInt(i) * 7L, b.valueLong(i, 0));
                }
            });
            assertEquals(5000, total);
            assertEquals(5, reader.calls() - 1, "5000 entries in batches of 1000, plus the call that ends at ENOENT");
        }
    }

    @Test
    void verifierRejectionNamesTheStepAndQuotesTheVerifier() throws Exception {
        try (BpfObject rejected = BpfObject.open("rejected", testObject("rejected"))) {
            BpfException e = assertThrows(BpfException.class, rejected::load);
            assertEquals("load", e.step());
            assertEquals(Errno.EACCES, e.errno());
            assertTrue(e.getMessage().startsWith("load rejected: EACCES (the verifier rejected a program"), e.getMessage());
            assertTrue(e.getMessage().contains("libbpf: "), "the verifier's reason should be quoted: " + e.getMessage());
        }
    }

    private static void fill(BpfMap map, int n) throws BpfException {
        try (MapValue v = map.newValueReader()) {
            for (int k = 0; k < n; k++) {
                v.setLong(0, k * 7L);
                v.setLong(8, k * 3L);
                v.write(k);
            }
        }
    }

    static byte[] testObject(String name) throws Exception {
        try (InputStream in = MapBatchReaderIT.class.getResourceAsStream("/org/ebpfagent/bpf/test/" + name + ".bpf.o")) {
            return in.readAllBytes();
        }
    }
}

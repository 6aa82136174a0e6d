package org.ebpfagent.bench;

import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;

import org.ebpfagent.agent.ffm.BpfMap;
import org.ebpfagent.agent.ffm.BpfObject;
import org.ebpfagent.agent.ffm.MapBatchReader;
import org.ebpfagent.agent.ffm.MapValue;

/**
 * Per-entry cost of the ways the agent can read a per-thread hash map, measured side by side in
 * one run on the same map shapes: one bpf_map_lookup_elem per key, BPF_MAP_LOOKUP_BATCH, and
 * BPF_MAP_LOOKUP_AND_DELETE_BATCH (timed without the refill it forces). Prints a markdown table.
 * Run through scripts/bench-map-read.sh; needs root (or CAP_BPF).
 */
public final class MapReadBenchmark {
    private static final int ROUNDS = 15;
    private static long sink;

    public static void main(String[] args) throws Exception {
        int[] sizes = {1_000, 10_000};
        byte[] elf;
        try (InputStream in = MapReadBenchmark.class.getResourceAsStream("/org/ebpfagent/bpf/test/maps_test.bpf.o")) {
            elf = in.readAllBytes();
        }
        System.out.println("| entries | lookup per key (ns/entry) | lookup batch (ns/entry) | lookup-and-delete batch (ns/entry) | per key / batch |");
        System.out.println("|---|---|---|---|---|");
        try (BpfObject object = BpfObject.open("maps_test", elf)) {
            object.load();
            BpfMap hash = object.map("hash");
            try (MapValue value = hash.newValueReader();
                 MapBatchReader lookup = MapBatchReader.lookup(hash, 4096);
                 MapBatchReader drain = MapBatchReader.lookupAndDelete(hash, 4096)) {
                MapBatchReader.Sink consume = b -> {
                    for (int i = 0; i < b.count(); i++) {
                        sink += b.valueLong(i, 0);
                    }
                };
                for (int n : sizes) {
                    fill(value, n);
                    long[] perKey = new long[ROUNDS];
                    long[] batch = new long[ROUNDS];
                    long[] delete = new long[ROUNDS];
                    for (int r = 0; r < ROUNDS; r++) {
                        long t0 = System.nanoTime();
                        for (int k = 0; k < n; k++) {
                            if (value.read(k)) {
                                sink += value.longAt(0);
                            }
                        }
                        perKey[r] = System.nanoTime() - t0;
                        t0 = System.nanoTime();
                        check(n, lookup.read(consume));
                        batch[r] = System.nanoTime() - t0;
                        t0 = System.nanoTime();
                        check(n, drain.read(consume));
                        delete[r] = System.nanoTime() - t0;
                        fill(value, n);
                    }
                    double k = median(perKey) / (double) n;
                    double b = median(batch) / (double) n;
                    double d = median(delete) / (double) n;
                    System.out.printf(Locale.ROOT, "| %,d | %.0f | %.0f | %.0f | %.1fx |%n", n, k, b, d, k / b);
                }
            }
        }
        if (sink == 42) {
            System.out.println();
        }
    }

    private static void fill(MapValue value, int n) throws Exception {
        for (int k = 0; k < n; k++) {
            value.setLong(0, k);
            value.write(k);
        }
    }

    private static void check(int expected, int read) {
        if (expected != read) {
            throw new IllegalStateException("read " + read + " entries, expected " + expected);
        }
    }

    private static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}

package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Keys collected to be deleted from a map together ({@code BPF_MAP_DELETE_BATCH}: one bpf() call
 * for many keys). The buffer is allocated once and grows only when more keys are added than ever
 * before. Not thread-safe; owns its buffer until {@link #close}.
 */
public final class MapKeyBatch implements AutoCloseable {
    private final Libbpf libbpf;
    private final BpfMap map;
    private final int keySize;
    private final Arena control = Arena.ofShared();
    private final MemorySegment countIo = control.allocate(JAVA_INT);
    private Arena buffer;
    private MemorySegment keys;
    private int capacity;
    private int count;
    private long calls;

    private MapKeyBatch(Libbpf libbpf, BpfMap map, int capacity) {
        this.libbpf = libbpf;
        this.map = map;
        this.keySize = map.keySize();
        allocate(capacity);
    }

    public static MapKeyBatch of(BpfMap map, int capacity) throws BpfException {
        return new MapKeyBatch(Libbpf.get(), map, capacity);
    }

    /**
     * Starts a new, zeroed key, points {@code into} at it and returns it, for its setters; valid
     * until the next add.
     */
    public StructView add(StructView into) {
        if (count == capacity) {
            allocate(capacity * 2);
        }
        keys.asSlice((long) count * keySize, keySize).fill((byte) 0);
        return into.point(keys, (long) count++ * keySize);
    }

    public int size() {
        return count;
    }

    /**
     * Deletes every key added since the last call and forgets them; returns how many were in the
     * map. A key already gone is skipped (the kernel stops a batch at the first missing key).
     */
    public int deleteAll() throws BpfException {
        int deleted = 0;
        int done = 0;
        while (done < count) {
            countIo.set(JAVA_INT, 0, count - done);
            int err = (int) libbpf.mapDeleteBatch.call(map.fd(), keys.address() + (long) done * keySize,
                    countIo.address(), 0);
            calls++;
            int n = countIo.get(JAVA_INT, 0);
            deleted += n;
            done += n;
            if (err == -Errno.ENOENT) {
                done++; // keys[done] was not there
            } else if (err < 0) {
                count = 0;
                throw BpfException.of("delete batch", map.name(), err);
            }
        }
        count = 0;
        return deleted;
    }

    /** bpf() calls made since this batch was created. */
    public long calls() {
        return calls;
    }

    @Override
    public void close() {
        control.close();
        buffer.close();
    }

    private void allocate(int entries) {
        Arena next = Arena.ofShared();
        MemorySegment grown = next.allocate((long) entries * keySize, 8);
        if (keys != null) {
            grown.copyFrom(keys.asSlice(0, (long) count * keySize));
            buffer.close();
        }
        buffer = next;
        keys = grown;
        capacity = entries;
    }
}

package org.ebpfagent.agent.sched;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import org.ebpfagent.agent.ffm.MmapArray;

/**
 * The live threads of the tp_btf probe: the {@code slots} array, mapped into this process, walked
 * with plain loads (no syscall). A slot is in use while its first_seen_ns is not 0; each is copied
 * out between two reads of that field, and one that changed meanwhile (its thread exited and the
 * slot went to a new thread) is left for the next poll. Owns the mapping.
 */
final class SlotThreads implements LiveThreads, ThreadEntry {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final MmapArray slots;
    private final byte[] entry = new byte[ThreadSchedLayout.SIZE];
    private long entries;
    private int index;
    private long readAt;

    SlotThreads(MmapArray slots) {
        this.slots = slots;
    }

    @Override
    public int read(Consumer<ThreadEntry> sink) {
        int n = 0;
        for (int i = 0, slotCount = slots.entries(); i < slotCount; i++) {
            if (slots.snapshot(i, ThreadSchedLayout.FIRST_SEEN, entry) != 0) {
                n++;
                index = i;
                readAt = System.nanoTime();
                sink.accept(this);
            }
        }
        entries += n;
        return n;
    }

    /** The slot of the entry being handed over. */
    int index() {
        return index;
    }

    @Override
    public long readAt() {
        return readAt;
    }

    @Override
    public long longAt(int offset) {
        return (long) LONG.get(entry, offset);
    }

    @Override
    public int intAt(int offset) {
        return (int) INT.get(entry, offset);
    }

    @Override
    public String stringAt(int offset, int max) {
        int len = 0;
        while (len < max && entry[offset + len] != 0) {
            len++;
        }
        return new String(entry, offset, len, StandardCharsets.UTF_8);
    }

    @Override
    public long calls() {
        return 0;
    }

    @Override
    public long entries() {
        return entries;
    }

    @Override
    public void close() {
        slots.close();
    }
}

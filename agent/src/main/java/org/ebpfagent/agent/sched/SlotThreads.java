package org.ebpfagent.agent.sched;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfMap;
import org.ebpfagent.agent.ffm.MmapArray;

/**
 * The live threads of the tp_btf probe: the {@code slots} array, mapped into this process, walked
 * with plain loads (no syscall), then the threads that found every slot taken, from the
 * {@code threads} hash ({@link HashThreads}). The walk stops at the slots given out so far
 * (struct thread_alloc, mapped too): the probe reuses freed slots first, so that bound is the
 * most threads that lived at once, not the array's size; the hash is read only while the probe
 * counts threads in it. A slot is in use while its first_seen_ns is not 0; each is copied out
 * between two reads of that field, and one that changed meanwhile (its thread exited and the
 * slot went to a new thread) is left for the next poll. Owns the mappings and the hash's reader.
 */
final class SlotThreads implements LiveThreads, ThreadEntry {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final MmapArray slots;
    private final MmapArray alloc;
    private final HashThreads overflow;
    private final byte[] entry = new byte[ThreadSchedLayout.SIZE];
    private long slotsWalked;
    private int index;
    private long readAt;

    private SlotThreads(MmapArray slots, MmapArray alloc, HashThreads overflow) {
        this.slots = slots;
        this.alloc = alloc;
        this.overflow = overflow;
    }

    /** Maps {@code slots} and {@code .data.alloc}, and opens a reader of {@code threads}. */
    static SlotThreads open(BpfMap slots, BpfMap alloc, BpfMap threads) throws BpfException {
        MmapArray slotArray = MmapArray.of(slots);
        MmapArray allocValue = null;
        try {
            allocValue = MmapArray.of(alloc);
            return new SlotThreads(slotArray, allocValue, HashThreads.lookup(threads));
        } catch (BpfException | RuntimeException e) {
            slotArray.close();
            if (allocValue != null) {
                allocValue.close();
            }
            throw e;
        }
    }

    @Override
    public int read(Consumer<ThreadEntry> sink) throws BpfException {
        int walk = highWater();
        int n = 0;
        for (int i = 0; i < walk; i++) {
            if (slots.snapshot(i, ThreadSchedLayout.FIRST_SEEN, entry) != 0) {
                n++;
                index = i;
                readAt = System.nanoTime();
                sink.accept(this);
            }
        }
        slotsWalked += walk;
        index = -1;
        if (threadsInHash() != 0) {
            n += overflow.read(sink);
        }
        return n;
    }

    /** The slots given out so far: every slot in use is below. */
    int highWater() {
        long fresh = alloc.valueLong(0, ThreadSchedLayout.ALLOC_FRESH); // may overshoot the array
        return (int) Math.min(fresh, slots.entries());
    }

    /** Threads whose entries are in the hash, as the probe counts them. */
    long threadsInHash() {
        return alloc.valueLong(0, ThreadSchedLayout.ALLOC_IN_HASH);
    }

    /** The slot of the entry being handed over, or -1 for an entry of the hash. */
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
        return overflow.calls();
    }

    /** Slots walked (in use or not) and hash entries copied: the work the reads did. */
    @Override
    public long entries() {
        return slotsWalked + overflow.entries();
    }

    @Override
    public void close() {
        slots.close();
        alloc.close();
        overflow.close();
    }
}

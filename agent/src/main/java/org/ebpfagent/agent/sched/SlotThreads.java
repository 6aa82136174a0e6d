package org.ebpfagent.agent.sched;

import java.util.function.Consumer;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfMap;
import org.ebpfagent.agent.ffm.MmapArray;
import org.ebpfagent.agent.ffm.StructView;

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
    private final MmapArray slots;
    private final MmapArray alloc;
    private final HashThreads overflow;
    /** A slot's copy, and the view of it handed over. */
    private final byte[] copy;
    /** A second copy, to tell a copy taken in the middle of a write (see consistentSnapshot). */
    private final byte[] check;
    private static final int SNAPSHOT_TRIES = 8;
    /**
     * Two copies of a slot take well under a microsecond; longer means the poller was preempted
     * between them and the clock, and the thread's current state would be projected that much
     * too far (for the poller's own slot above all): taken again.
     */
    private static final long COPY_NANOS = 50_000;
    private long torn;
    private long unread;
    private final StructView entry;
    /** .data.alloc's thread_alloc, read live. */
    private final StructView given;
    private final int guard;
    private long slotsWalked;
    private int index;
    private long readAt;

    private SlotThreads(MmapArray slots, MmapArray alloc, HashThreads overflow, SchedLayouts layouts) {
        this.slots = slots;
        this.alloc = alloc;
        this.overflow = overflow;
        this.copy = new byte[layouts.threadSched().size()];
        this.check = new byte[copy.length];
        this.entry = StructView.over(layouts.threadSched(), copy);
        this.given = alloc.point(0, StructView.of(layouts.alloc()));
        this.guard = layouts.threadSched().offset(ThreadSchedLayout.FIRST_SEEN);
    }

    /** Maps {@code slots} and {@code .data.alloc}, and opens a reader of {@code threads}. */
    static SlotThreads open(BpfMap slots, BpfMap alloc, BpfMap threads, SchedLayouts layouts) throws BpfException {
        MmapArray slotArray = MmapArray.of(slots);
        MmapArray allocValue = null;
        try {
            allocValue = MmapArray.of(alloc);
            return new SlotThreads(slotArray, allocValue, HashThreads.lookup(threads, layouts.threadSched()), layouts);
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
            if (consistentSnapshot(i)) {
                n++;
                index = i;
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

    /**
     * Copies slot {@code i} while no program is writing it; false if the slot is free, or if no
     * clean copy could be taken (its thread is then read at the next poll, and its interval spans
     * both). The probe updates a slot field by field while its thread switches, on another CPU: a
     * copy taken in the middle can hold the counters with the span just ended and the state that
     * span began with, which counts the span twice. The probe flags the entry while it writes
     * ({@code writing}): a writer held up in the middle (its virtual CPU taken away) is seen by
     * every copy. Two copies that agree, unflagged, were taken with no write under way or in
     * between. The clock is read before and after, so the copy's moment is known within
     * {@link #COPY_NANOS}.
     */
    private boolean consistentSnapshot(int i) {
        for (int attempt = 0; attempt < SNAPSHOT_TRIES; attempt++) {
            long before = System.nanoTime();
            if (slots.snapshot(i, guard, copy) == 0 || slots.snapshot(i, guard, check) == 0) {
                return false;
            }
            readAt = System.nanoTime();
            if (java.util.Arrays.equals(copy, check) && entry.u64(ThreadSchedLayout.WRITING) == 0
                    && readAt - before <= COPY_NANOS) {
                return true;
            }
            torn++;
        }
        unread++;
        return false;
    }

    /** Copies that disagreed or were flagged, and were taken again (tests, docs/performance.md). */
    long tornCopies() {
        return torn;
    }

    /** Slots left for the next poll: no clean copy in {@link #SNAPSHOT_TRIES} tries. */
    long unreadSlots() {
        return unread;
    }

    /** The slots given out so far: every slot in use is below. */
    int highWater() {
        long fresh = given.u64(ThreadSchedLayout.FRESH); // may overshoot the array
        return (int) Math.min(fresh, slots.entries());
    }

    /** Threads whose entries are in the hash, as the probe counts them. */
    long threadsInHash() {
        return given.u64(ThreadSchedLayout.IN_HASH);
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
    public StructView fields() {
        return entry;
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

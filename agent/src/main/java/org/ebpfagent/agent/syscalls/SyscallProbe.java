package org.ebpfagent.agent.syscalls;

import java.util.List;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfMap;
import org.ebpfagent.agent.ffm.BpfObject;
import org.ebpfagent.agent.ffm.CStruct;
import org.ebpfagent.agent.ffm.MmapArray;
import org.ebpfagent.agent.ffm.RingBuffer;
import org.ebpfagent.agent.ffm.StructLayout;
import org.ebpfagent.agent.probe.Attachment;
import org.ebpfagent.agent.probe.BpfResources;
import org.ebpfagent.agent.probe.Flavours;

/**
 * The loaded and attached syscall probe ({@code syscalls.bpf.o}), filtered in the kernel to one
 * process. Owns its BPF object, links, ring-buffer mapping and counters mapping; {@link #close}
 * frees them. Each program exists as tp_btf and raw_tp; tp_btf is loaded first, raw_tp if the
 * kernel refuses it.
 *
 * <p>A thread's figures per syscall are in a slot of the {@code slots} array, which the agent reads
 * through mmap, or, for the syscalls that found no slot, and for threads that exited until the
 * agent has read them, in the {@code stats} hash (see syscalls.bpf.c).
 *
 * <p>Kernel memory: the slots are an array of {@link #SLOTS} (about 0.5 MB), the hashes are
 * created without preallocation (an entry costs memory only while its thread and syscall exist),
 * the ring buffer is 128 KiB.
 */
public final class SyscallProbe implements AutoCloseable {
    /**
     * Programs (without their flavour's suffix), in attach order: the thread-exit program first
     * (and detached last), so that every thread the other programs register has its exit marked.
     */
    static final List<String> PROGRAMS = List.of("sched_process_exit", "sys_enter", "sys_exit");
    /**
     * Capacity of the stats hash (thread x syscall entries alive at once, including those of
     * threads that exited since the last poll: a thread that lives a moment makes a dozen
     * syscalls, so 65,536 holds 5,000 such threads per poll) and of the threads hash. Entries cost
     * memory only while they exist, but the buckets cost 16 bytes per entry of capacity: 1 MiB
     * here; sized by maxThreads (32,768 by default, x 8 syscalls) the stats hash alone took 4.2 MB.
     * At 16,384, 10,000 threads started and ended in waves of 100 overflowed it on a busy machine.
     */
    static final int STATS = 65536;
    static final int MAX_THREADS = 8192;
    /**
     * Slots: threads x syscalls whose figures the probe keeps in the mmap'able array (224 bytes
     * each), the rest in the stats hash, where each call costs a hash lookup more (~25-30 ns,
     * docs/performance.md). A JVM's threads use a dozen syscalls or so each; exited threads give
     * theirs back.
     */
    static final int SLOTS = 2048;
    /** SYS_NO_SLOT: slot numbers are 16 bits, this one is reserved. */
    private static final int MAX_SLOTS = 0xffff;

    private final BpfObject object;
    final Attachment attachment;
    final BpfMap stats;
    final BpfMap errors;
    final BpfMap threads;
    final BpfMap epoch;
    final RingBuffer records;
    final MmapArray counters;
    final MmapArray slots;
    /** .data.alloc's struct sys_alloc, read live. */
    final MmapArray alloc;
    final StructLayout allocLayout;
    final BpfMap.Layout statsLayout;
    final BpfMap.Layout errorLayout;
    final BpfMap.Layout threadLayout;
    final StructLayout slow;

    private SyscallProbe(BpfObject object, Attachment attachment,
                         RingBuffer records, MmapArray counters, MmapArray slots, MmapArray alloc, StructLayout allocLayout,
                         BpfMap.Layout statsLayout, BpfMap.Layout errorLayout, BpfMap.Layout threadLayout,
                         StructLayout slow) throws BpfException {
        this.object = object;
        this.attachment = attachment;
        this.stats = object.map("stats");
        this.errors = object.map("errors");
        this.threads = object.map("threads");
        this.epoch = object.map("epoch");
        this.records = records;
        this.counters = counters;
        this.slots = slots;
        this.alloc = alloc;
        this.allocLayout = allocLayout;
        this.statsLayout = statsLayout;
        this.errorLayout = errorLayout;
        this.threadLayout = threadLayout;
        this.slow = slow;
    }

    /**
     * Loads and attaches the probe for the process whose root-namespace tgid is {@code kernelTgid}:
     * {@code attach} is {@code auto} (tp_btf, raw_tp if the kernel refuses it), {@code tp_btf} or
     * {@code raw_tp}; calls of at least {@code slowNanos} (0: none) are sent as records.
     */
    public static SyscallProbe open(int kernelTgid, int maxThreads, long slowNanos, String attach) throws BpfException {
        return open(kernelTgid, maxThreads, slowNanos, attach, SLOTS);
    }

    /** As {@link #open(int, int, long, String)}, with {@code slots} slots (0: every figure in the hash; tests). */
    static SyscallProbe open(int kernelTgid, int maxThreads, long slowNanos, String attach, int slots)
            throws BpfException {
        if (slots < 0 || slots >= MAX_SLOTS) {
            throw new IllegalArgumentException(slots + " slots: 0 to " + (MAX_SLOTS - 1));
        }
        return Flavours.open(attach, (suffix, attachType) -> open(kernelTgid, maxThreads, slowNanos, slots, suffix,
                attachType));
    }

    private static SyscallProbe open(int kernelTgid, int maxThreads, long slowNanos, int slots, String suffix,
                                     String attachType) throws BpfException {
        BpfObject object = BpfResources.open("syscalls");
        Attachment attachment = null;
        RingBuffer ring = null;
        MmapArray counters = null;
        MmapArray slotArray = null;
        MmapArray alloc = null;
        try {
            for (String program : object.programNames()) {
                object.setAutoload(program, program.endsWith("_" + suffix));
            }
            object.map("stats").setMaxEntries(STATS);
            object.map("threads").setMaxEntries(Math.min(maxThreads, MAX_THREADS));
            // A map cannot have 0 entries: with no slots, config.slots = 0 keeps the one unused.
            object.map("slots").setMaxEntries(Math.max(1, slots));
            object.map("free_slots").setMaxEntries(Math.max(1, slots));
            BpfMap.Layout statsLayout = object.map("stats").bind(SyscallLayout.KEY, SyscallLayout.STATS);
            object.map("slots").bind(CStruct.U32, SyscallLayout.STATS);
            StructLayout allocLayout = object.map(".data.alloc").bindVariable("alloc", SyscallLayout.ALLOC);
            BpfMap.Layout errorLayout = object.map("errors").bind(SyscallLayout.ERROR_KEY, CStruct.U64);
            BpfMap.Layout threadLayout = object.map("threads").bind(SyscallLayout.THREAD_KEY, SyscallLayout.THREAD);
            StructLayout slow = object.bindStruct(SyscallLayout.SLOW);
            BpfMap rodata = object.map(".rodata");
            var config = rodata.initialValue(rodata.bindVariable("config", SyscallLayout.CONFIG));
            config.setU32(SyscallLayout.TARGET_TGID, kernelTgid);
            config.setU64(SyscallLayout.SLOW_NS, slowNanos);
            config.setU32(SyscallLayout.SLOTS, slots);
            object.load();
            counters = MmapArray.of(object.map("counters"));
            slotArray = MmapArray.of(object.map("slots"));
            alloc = MmapArray.of(object.map(".data.alloc"));
            ring = RingBuffer.of(object.map("records"), counters, SyscallLayout.CNT_SLOW_LOST);
            attachment = Attachment.attach(object, PROGRAMS, suffix, attachType);
            return new SyscallProbe(object, attachment, ring, counters, slotArray, alloc,
                    allocLayout, statsLayout, errorLayout, threadLayout, slow);
        } catch (BpfException | RuntimeException e) {
            if (ring != null) {
                ring.close();
            }
            if (counters != null) {
                counters.close();
            }
            if (slotArray != null) {
                slotArray.close();
            }
            if (alloc != null) {
                alloc.close();
            }
            if (attachment != null) {
                attachment.close();
            }
            object.close();
            throw e;
        }
    }

    /** Empties {@code free_slots} and returns the slots it held (tests). */
    int[] takeFreeSlots() throws BpfException {
        return object.map("free_slots").popAll();
    }

    /** What the probe could not record, cumulative (SyscallLayout.CNT_*). */
    long counter(int index) {
        return counters.valueLong(index);
    }

    @Override
    public void close() {
        attachment.close();
        object.close();
        records.close();
        counters.close();
        slots.close();
        alloc.close();
    }
}

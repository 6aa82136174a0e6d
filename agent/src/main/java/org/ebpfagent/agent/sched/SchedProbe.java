package org.ebpfagent.agent.sched;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfIterator;
import org.ebpfagent.agent.ffm.BpfMap;
import org.ebpfagent.agent.ffm.BpfObject;
import org.ebpfagent.agent.ffm.StructView;
import org.ebpfagent.agent.probe.Attachment;
import org.ebpfagent.agent.probe.BpfResources;
import org.ebpfagent.agent.probe.Flavours;
import org.ebpfagent.agent.util.Log;

/**
 * The loaded and attached scheduler probe ({@code sched.bpf.o}), filtered in the kernel to one
 * process. Owns its BPF object and links; {@link #close} detaches and frees them.
 *
 * <p>Each program exists as tp_btf and raw_tp; tp_btf is loaded first, raw_tp only if the kernel
 * refuses it. Both read the same kernel structures through CO-RE. tp_btf keeps each thread's
 * state in a slot of the mmap'able {@code slots} array (which slot: task storage), and the
 * threads that find every slot taken in the {@code threads} hash keyed by tid; raw_tp keeps every
 * thread in that hash. Only the flavour's own maps are created.
 *
 * <p>Kernel memory: the slot array is fixed and small ({@link #SLOTS}); the hashes are created
 * without preallocation, so an entry costs memory only while it exists, and an empty hash costs
 * its bucket array (16 bytes per entry of capacity, rounded up to a power of two).
 */
public final class SchedProbe implements AutoCloseable {
    private static final Log LOG = Log.named("ebpf-agent");
    /**
     * In attach order: the exit program first (and, links closing in reverse, detached last), so a
     * thread that gets an entry from any other program always has its exit seen. Attached last, a
     * thread exiting in the milliseconds between would keep its slot for good.
     */
    static final List<String> TRACEPOINTS =
            List.of("sched_process_exit", "sched_switch", "sched_wakeup", "sched_wakeup_new", "sched_migrate_task");

    /** The walk over the threads before each read (sched_walk_btf or _raw), see {@link #walk}. */
    static final String WALK = "sched_walk_";
    /** What a probe without the walk reads differently. */
    private static final String WITHOUT_WALK = "a thread whose switch-in the kernel did not report reads as waiting "
            + "until its next switch-out";

    /**
     * Threads whose entries the tp_btf probe keeps in the mmap'd slot array, 272 bytes each (272
     * KiB): a JVM of a few hundred threads has all of them on the cheapest path. Threads beyond
     * get entries of the {@code threads} hash, allocated as they come, up to maxThreads in all.
     */
    public static final int SLOTS = 1024;

    private final BpfObject object;
    final Attachment attachment;
    /** The live threads' entries beyond the slots (tp_btf), or all of them (raw_tp). */
    final BpfMap threads;
    final BpfMap exited;
    final BpfMap offCpu;
    final BpfMap counters;
    /** Where the members the agent reads are, in this object's structs. */
    final SchedLayouts layouts;
    /**
     * The walk over this process's threads that notes, before each read of the entries, a thread
     * running after a switch-in no program saw (sched_walk_*, sched_logic.h); null if the kernel
     * refused it.
     */
    final BpfIterator walk;

    private SchedProbe(BpfObject object, Attachment attachment, SchedLayouts layouts, BpfIterator walk)
            throws BpfException {
        this.object = object;
        this.layouts = layouts;
        this.attachment = attachment;
        this.walk = walk;
        this.threads = object.map("threads");
        this.exited = object.map("exited");
        this.offCpu = object.map("off_cpu");
        this.counters = object.map(".bss");
    }

    /** Loads and attaches the probe for the process whose root-namespace tgid is {@code kernelTgid}. */
    public static SchedProbe open(int kernelTgid, int maxThreads) throws BpfException {
        return open(kernelTgid, maxThreads, "auto");
    }

    /**
     * As {@link #open(int, int)}, choosing the program flavour: {@code auto} (tp_btf, raw_tp if
     * the kernel refuses it), {@code tp_btf} or {@code raw_tp}.
     */
    public static SchedProbe open(int kernelTgid, int maxThreads, String attach) throws BpfException {
        return open(kernelTgid, maxThreads, Math.min(SLOTS, maxThreads), attach);
    }

    /** As {@link #open(int, int, String)}, with {@code slots} of the {@code maxThreads} in the slot array (tp_btf). */
    static SchedProbe open(int kernelTgid, int maxThreads, int slots, String attach) throws BpfException {
        if (slots < 1 || slots > maxThreads) {
            throw new IllegalArgumentException(slots + " slots for " + maxThreads + " threads");
        }
        // The walk is an extra: a kernel that refuses it keeps the probe.
        return Flavours.open(attach, (suffix, attachType) -> Flavours.withExtra(
                "sched probe: no walk over the threads before each poll, its program was refused ({}); " + WITHOUT_WALK,
                withWalk -> open(kernelTgid, maxThreads, slots, suffix, attachType, withWalk)));
    }

    /** {@code withWalk}: with the sched_walk program, loaded and attached if the kernel takes it. */
    private static SchedProbe open(int kernelTgid, int maxThreads, int slots, String suffix, String attachType,
                                   boolean withWalk) throws BpfException {
        BpfObject object = BpfResources.open("sched");
        Attachment attachment = null;
        BpfIterator walk = null;
        try {
            for (String program : object.programNames()) {
                object.setAutoload(program, program.endsWith("_" + suffix) && (withWalk || !program.equals(WALK + suffix)));
            }
            boolean useSlots = suffix.equals("btf");
            for (String map : List.of("slot_of", "free_slots", "slots")) {
                object.map(map).setAutocreate(useSlots);
            }
            int hashThreads = useSlots ? maxThreads - slots : maxThreads;
            if (useSlots) {
                object.map("slots").setMaxEntries(slots);
                object.map("free_slots").setMaxEntries(slots);
            }
            // A map cannot have 0 entries; with no room beyond the slots, config.hash_threads = 0 keeps the hash empty.
            object.map("threads").setMaxEntries(Math.max(1, hashThreads));
            // Only a thread's fifth and later reasons come here (the first four live in its entry).
            object.map("off_cpu").setMaxEntries(Math.max(4096, maxThreads));
            SchedLayouts layouts = SchedLayouts.bind(object, useSlots);
            StructView config = object.map(".rodata").initialValue(layouts.config());
            config.setU32(ThreadSchedLayout.TARGET_TGID, kernelTgid);
            config.setU32(ThreadSchedLayout.CONFIG_SLOTS, useSlots ? slots : 0);
            config.setU32(ThreadSchedLayout.HASH_THREADS, hashThreads);
            object.load();
            attachment = Attachment.attach(object, TRACEPOINTS, suffix, attachType);
            walk = withWalk ? walk(object, suffix) : null;
            return new SchedProbe(object, attachment, layouts, walk);
        } catch (BpfException | RuntimeException e) {
            if (walk != null) {
                walk.close();
            }
            if (attachment != null) {
                attachment.close();
            }
            object.close();
            throw e;
        }
    }

    /**
     * The walk over this process's threads (its pid as its own PID namespace sees it), or null if
     * the kernel refuses it: before Linux 6.1 a task iterator cannot be limited to one process,
     * and the agent does not walk every task of the host.
     */
    private static BpfIterator walk(BpfObject object, String suffix) {
        try {
            return object.iterator(WALK + suffix, (int) ProcessHandle.current().pid());
        } catch (BpfException e) {
            LOG.info("sched probe: no walk over the threads before each poll ({}; Linux 6.1 or later limits it to "
                    + "this process); {}", e.getMessage(), WITHOUT_WALK);
            return null;
        }
    }

    /** A reader of the live threads' entries, owned by the caller. */
    LiveThreads liveThreads() throws BpfException {
        return usesSlots() ? SlotThreads.open(object.map("slots"), object.map(".data.alloc"), threads, layouts)
                : HashThreads.lookup(threads, layouts.threadSched());
    }

    boolean usesSlots() {
        return attachment.type().equals("tp_btf");
    }

    /**
     * Empties {@code free_slots} and returns the slots it held (tests: with the slots in use, they
     * must account for every slot given out). Threads met afterwards find no freed slot.
     */
    int[] takeFreeSlots() throws BpfException {
        return object.map("free_slots").popAll();
    }

    /**
     * Replaces a live thread's entry: in slot {@code slot}, or with {@code slot} -1 in the threads
     * hash under {@code tid} (tests: an entry as a kernel that lost an event leaves it). Racy by
     * nature: the thread may write its entry meanwhile.
     */
    void writeEntry(int slot, int tid, byte[] entry) throws BpfException {
        byte[] key = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(slot >= 0 ? slot : tid).array();
        (slot >= 0 ? object.map("slots") : threads).put(key, entry);
    }

    @Override
    public void close() {
        if (walk != null) {
            walk.close();
        }
        attachment.close();
        object.close();
    }
}

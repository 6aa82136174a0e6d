package org.ebpfagent.agent.syscalls;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;

import org.ebpfagent.agent.ffm.MapBatchReader;
import org.ebpfagent.agent.ffm.StructView;
import org.ebpfagent.agent.probe.KernelTgid;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.ebpfagent.agent.syscalls.SyscallLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where the probe keeps a thread's figures, read straight from its maps in this JVM: a thread makes
 * 1,000 getppid, 700 getpgrp, 500 sched_getscheduler(0) (whose way among the thread's slots is
 * getpgrp's: it must go to the stats hash) and 300 getpgid(-1) (each ESRCH). While it lives, each
 * of its syscalls is in exactly one place, a slot or the hash, with exact calls and errors; once it
 * has exited and its exit is marked, all of them are in the hash with the same figures, no slot
 * holds any of them, and the slots it held are on the free stack. With no slots at all, every
 * figure is in the hash from the start.
 */
class SyscallSlotsIT {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETPPID = libc("getppid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPGRP = libc("getpgrp", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SCHED_GETSCHEDULER = libc("sched_getscheduler", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GETPGID = libc("getpgid", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GETTID = libc("gettid", FunctionDescriptor.of(JAVA_INT));
    /** x86_64 numbers (the ways, (nr * 2654435761) >> 27 mod 2^32: getpgrp and sched_getscheduler share 19). */
    private static final int NR_GETPPID = 110;
    private static final int NR_GETPGRP = 111;
    private static final int NR_SCHED_GETSCHEDULER = 145;
    private static final int NR_GETPGID = 121;
    private static final int SLOTS = 1024;
    private static final boolean X86_64 = System.getProperty("os.arch").equals("amd64");

    private static MethodHandle libc(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d);
    }

    /** A thread and syscall's figures, and the slot that held them (-1: the hash). */
    record Figures(long calls, long errors, long totalNs, int slot) {
        boolean sameCounts(Figures o) {
            return calls == o.calls && errors == o.errors && totalNs == o.totalNs;
        }
    }

    @Test
    void aThreadsFiguresAreInOnePlaceAndMoveToTheHashAtItsExit() throws Throwable {
        assumeTrue(X86_64, "syscall numbers of x86_64");
        try (SyscallProbe probe = SyscallProbe.open(KernelTgid.discover(), 8192, 0, "tp_btf", SLOTS)) {
            Worker w = Worker.start();
            Map<Integer, Figures> slots = inSlots(probe, w.tid, w.start(probe));
            Map<Integer, Figures> hash = inHash(probe, w.tid, w.start(probe));
            System.out.println("SyscallSlotsIT: alive: in slots " + slots + ", in the hash " + hash);
            Map<Integer, Figures> alive = assertExact(slots, hash);
            assertTrue(hash.containsKey(NR_SCHED_GETSCHEDULER), "sched_getscheduler shares its way with getpgrp, met first: in the hash");
            assertFalse(slots.isEmpty(), "none of the thread's syscalls got a slot of " + SLOTS);

            long start = w.start(probe);
            w.finish();
            awaitExitMarked(probe, w.tid, start);
            Map<Integer, Figures> slotsAfter = inSlots(probe, w.tid, start);
            Map<Integer, Figures> hashAfter = inHash(probe, w.tid, start);
            System.out.println("SyscallSlotsIT: exited: in slots " + slotsAfter + ", in the hash " + hashAfter);
            assertEquals(Map.of(), slotsAfter, "slots still held for an exited thread");
            for (int nr : alive.keySet()) {
                Figures before = alive.get(nr);
                Figures after = hashAfter.get(nr);
                assertNotNull(after, "syscall " + nr + " of the exited thread not in the hash: " + hashAfter);
                // (the thread's own end makes syscalls too: mmap, futex, ...; never these four)
                if (Set.of(NR_GETPPID, NR_GETPGRP, NR_SCHED_GETSCHEDULER, NR_GETPGID).contains(nr)) {
                    assertTrue(after.sameCounts(before), "syscall " + nr + ": " + before + " then " + after);
                } else {
                    assertTrue(after.calls() >= before.calls(), "syscall " + nr + ": " + before + " then " + after);
                }
            }
            // Given back: on the free stack, or already taken again by another thread's syscall.
            Set<Integer> free = new TreeSet<>();
            for (int slot : probe.takeFreeSlots()) {
                free.add(slot);
            }
            Set<Integer> taken = slotsInUse(probe);
            for (Figures f : slots.values()) {
                assertTrue(free.contains(f.slot()) || taken.contains(f.slot()),
                        "slot " + f.slot() + " neither free nor taken again; free: " + free + ", in use: " + taken);
            }
        }
    }

    @Test
    void withoutSlotsEveryFigureIsInTheHash() throws Throwable {
        assumeTrue(X86_64, "syscall numbers of x86_64");
        try (SyscallProbe probe = SyscallProbe.open(KernelTgid.discover(), 8192, 0, "tp_btf", 0)) {
            Worker w = Worker.start();
            Map<Integer, Figures> slots = inSlots(probe, w.tid, w.start(probe));
            Map<Integer, Figures> hash = inHash(probe, w.tid, w.start(probe));
            w.finish();
            assertEquals(Map.of(), slots);
            assertExact(slots, hash);
            assertEquals(0, probe.alloc.point(0, StructView.of(probe.allocLayout)).u64(FRESH), "slots given out");
        }
    }

    /** The thread's figures, each in one place, with the calls and errors it made; returns them all. */
    private static Map<Integer, Figures> assertExact(Map<Integer, Figures> slots, Map<Integer, Figures> hash) {
        Map<Integer, Figures> all = new HashMap<>(hash);
        for (var e : slots.entrySet()) {
            assertTrue(all.put(e.getKey(), e.getValue()) == null, "syscall " + e.getKey() + " in a slot and in the hash");
        }
        assertEquals(Worker.GETPPIDS, all.get(NR_GETPPID).calls(), "getppid calls");
        assertEquals(Worker.GETPGRPS, all.get(NR_GETPGRP).calls(), "getpgrp calls");
        assertEquals(Worker.SCHED_GETSCHEDULERS, all.get(NR_SCHED_GETSCHEDULER).calls(), "sched_getscheduler calls");
        assertEquals(Worker.GETPGIDS, all.get(NR_GETPGID).calls(), "getpgid calls");
        assertEquals(Worker.GETPGIDS, all.get(NR_GETPGID).errors(), "getpgid(-1) errors (ESRCH)");
        for (int nr : new int[] {NR_GETPPID, NR_GETPGRP, NR_SCHED_GETSCHEDULER}) {
            assertEquals(0, all.get(nr).errors(), "errors of " + nr);
        }
        return all;
    }

    /** The slots given out, each copied between two reads of its owner, of the thread (tid, start). */
    private static Map<Integer, Figures> inSlots(SyscallProbe probe, int tid, long start) {
        StructView alloc = probe.alloc.point(0, StructView.of(probe.allocLayout));
        byte[] copy = new byte[probe.statsLayout.value().size()];
        StructView v = StructView.over(probe.statsLayout.value(), copy);
        long owner = probe.statsLayout.value().offset(OWNER);
        Map<Integer, Figures> out = new HashMap<>();
        int walk = (int) Math.min(alloc.u64(FRESH), probe.slots.entries());
        for (int i = 0; i < walk; i++) {
            if (probe.slots.snapshot(i, owner, copy) != 0 && v.u32(SLOT_TID) == tid && v.u64(SLOT_THREAD_START) == start) {
                assertTrue(out.put(v.u32(SLOT_NR), new Figures(v.u64(CALLS), v.u64(ERRORS), v.u64(TOTAL_NS), i)) == null,
                        "two slots for syscall " + v.u32(SLOT_NR));
            }
        }
        return out;
    }

    /** The slots in use now (the free stack emptied first: none of them can be taken meanwhile and held as free). */
    private static Set<Integer> slotsInUse(SyscallProbe probe) {
        StructView alloc = probe.alloc.point(0, StructView.of(probe.allocLayout));
        byte[] copy = new byte[probe.statsLayout.value().size()];
        long owner = probe.statsLayout.value().offset(OWNER);
        Set<Integer> out = new TreeSet<>();
        int walk = (int) Math.min(alloc.u64(FRESH), probe.slots.entries());
        for (int i = 0; i < walk; i++) {
            if (probe.slots.snapshot(i, owner, copy) != 0) {
                out.add(i);
            }
        }
        return out;
    }

    private static Map<Integer, Figures> inHash(SyscallProbe probe, int tid, long start) throws Exception {
        Map<Integer, Figures> out = new HashMap<>();
        StructView k = StructView.of(probe.statsLayout.key());
        StructView v = StructView.of(probe.statsLayout.value());
        try (MapBatchReader reader = MapBatchReader.lookup(probe.stats, 256)) {
            reader.read(b -> {
                for (int i = 0; i < b.count(); i++) {
                    b.key(i, k);
                    if (k.u32(KEY_TID) == tid && k.u64(KEY_THREAD_START) == start) {
                        b.value(i, v);
                        out.put(k.u32(KEY_NR), new Figures(v.u64(CALLS), v.u64(ERRORS), v.u64(TOTAL_NS), -1));
                    }
                }
            });
        }
        return out;
    }

    /** Waits until the probe has marked the thread's exit in `threads` (its slots are moved before that). */
    private static void awaitExitMarked(SyscallProbe probe, int tid, long start) throws Exception {
        StructView k = StructView.of(probe.threadLayout.key());
        StructView v = StructView.of(probe.threadLayout.value());
        long deadline = System.nanoTime() + 30_000_000_000L;
        boolean[] marked = {false};
        try (MapBatchReader reader = MapBatchReader.lookup(probe.threads, 256)) {
            while (!marked[0]) {
                assertTrue(System.nanoTime() < deadline, "exit of tid " + tid + " not marked within 30 s");
                reader.read(b -> {
                    for (int i = 0; i < b.count(); i++) {
                        b.key(i, k);
                        if (k.u32(T_TID) == tid && k.u64(T_THREAD_START) == start && b.value(i, v).u32(T_EXITED) != 0) {
                            marked[0] = true;
                        }
                    }
                });
                if (!marked[0]) {
                    Thread.sleep(10);
                }
            }
        }
    }

    /** The thread that makes the calls, then waits to be let go. */
    private static final class Worker {
        static final int GETPPIDS = 1000;
        static final int GETPGRPS = 700;
        static final int SCHED_GETSCHEDULERS = 500;
        static final int GETPGIDS = 300;
        final CountDownLatch done = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Thread thread;
        volatile int tid;
        volatile Throwable failure;
        private long start;

        private Worker() {
            thread = Thread.ofPlatform().name("slots-worker").unstarted(this::run);
        }

        static Worker start() throws Throwable {
            // Every handle once on this thread first: its first call may load classes, which makes
            // syscalls of its own on the calling thread.
            int ignored = (int) GETPPID.invokeExact() + (int) GETPGRP.invokeExact() + (int) SCHED_GETSCHEDULER.invokeExact(0)
                    + (int) GETPGID.invokeExact(-1) + (int) GETTID.invokeExact();
            Worker w = new Worker();
            w.thread.start();
            w.done.await();
            if (w.failure != null) {
                throw w.failure;
            }
            return w;
        }

        private void run() {
            try {
                tid = (int) GETTID.invokeExact();
                for (int i = 0; i < GETPPIDS; i++) {
                    int r = (int) GETPPID.invokeExact();
                }
                for (int i = 0; i < GETPGRPS; i++) {
                    int r = (int) GETPGRP.invokeExact();
                }
                for (int i = 0; i < SCHED_GETSCHEDULERS; i++) {
                    int r = (int) SCHED_GETSCHEDULER.invokeExact(0);
                }
                for (int i = 0; i < GETPGIDS; i++) {
                    int r = (int) GETPGID.invokeExact(-1);
                    if (r != -1) {
                        throw new IllegalStateException("getpgid(-1) returned " + r);
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
            done.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** The thread's creation time, as the probe's keys hold it: from one of its entries. */
        long start(SyscallProbe probe) throws Exception {
            if (start != 0) {
                return start;
            }
            StructView k = StructView.of(probe.statsLayout.key());
            long[] found = {0};
            try (MapBatchReader reader = MapBatchReader.lookup(probe.stats, 256)) {
                reader.read(b -> {
                    for (int i = 0; i < b.count(); i++) {
                        if (b.key(i, k).u32(KEY_TID) == tid && k.u32(KEY_NR) == NR_SCHED_GETSCHEDULER) {
                            found[0] = k.u64(KEY_THREAD_START);
                        }
                    }
                });
            }
            if (found[0] == 0) { // no slots in this run, or sched_getscheduler found its way free: a slot
                byte[] copy = new byte[probe.statsLayout.value().size()];
                StructView v = StructView.over(probe.statsLayout.value(), copy);
                long owner = probe.statsLayout.value().offset(OWNER);
                for (int i = 0; i < probe.slots.entries() && found[0] == 0; i++) {
                    if (probe.slots.snapshot(i, owner, copy) != 0 && v.u32(SLOT_TID) == tid) {
                        found[0] = v.u64(SLOT_THREAD_START);
                    }
                }
            }
            assertTrue(found[0] != 0, "no figures of tid " + tid);
            return start = found[0];
        }

        void finish() throws InterruptedException {
            release.countDown();
            thread.join();
        }
    }
}

package org.ebpfagent.agent.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;

/**
 * One recording's syscall figures for the whole process, per syscall and over all of them, from
 * the syscall probe's ebpf.ThreadSyscalls and ebpf.SlowSyscall events.
 */
final class SyscallTotals {
    /** Per syscall name, in the order first met. */
    final Map<String, SyscallStats> bySyscall = new LinkedHashMap<>();
    /** Every syscall together (its p99 mixes syscalls and is not shown). */
    final SyscallStats all = new SyscallStats("*");
    long slowTotal;

    /** Takes one event; returns whether it was one of these two. */
    boolean accept(RecordedEvent e) {
        switch (e.getEventType().getName()) {
            case "ebpf.ThreadSyscalls" -> {
                stats(e.getString("syscall")).add(e);
                all.add(e);
                return true;
            }
            case "ebpf.SlowSyscall" -> {
                stats(e.getString("syscall")).slow++;
                all.slow++;
                slowTotal++;
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    SyscallStats stats(String syscall) {
        String name = syscall == null ? "?" : syscall;
        return bySyscall.computeIfAbsent(name, SyscallStats::new);
    }

    boolean isEmpty() {
        return bySyscall.isEmpty();
    }

    /** Syscalls by total time, most first, then by name. */
    List<SyscallStats> byTime() {
        return byTime(bySyscall.values());
    }

    static List<SyscallStats> byTime(java.util.Collection<SyscallStats> stats) {
        List<SyscallStats> out = new ArrayList<>(stats);
        out.sort(Comparator.comparingLong((SyscallStats s) -> s.totalTime).reversed().thenComparing(s -> s.syscall));
        return out;
    }
}

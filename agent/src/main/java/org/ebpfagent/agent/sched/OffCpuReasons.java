package org.ebpfagent.agent.sched;

import java.util.Arrays;

/**
 * One thread's off-CPU reasons (syscall and wait kind): the kernel's cumulative totals as last
 * read, and what was last reported, so each event carries the difference. A thread has a handful
 * of reasons; a linear search over small arrays beats any map here.
 */
final class OffCpuReasons {
    int count;
    int[] syscall = new int[4];
    int[] kind = new int[4];
    /** Cumulative off-CPU ns and ended spans, as the kernel last said (the entry, or the off_cpu map). */
    long[] kernelNs = new long[4];
    long[] kernelBlocks = new long[4];
    /** Whether the reason lives in the off_cpu map (beyond the entry's inline ones): deleted after the thread. */
    boolean[] inMap = new boolean[4];
    /** Cumulative values last reported (including the projected part of a span in progress). */
    long[] reportedNs = new long[4];
    long[] reportedBlocks = new long[4];
    /** Each reason's metrics row for the group below, found at its first report; null without metrics. */
    org.ebpfagent.agent.metrics.Row[] figureRows;
    org.ebpfagent.agent.metrics.Groups.Group figuresGroup;

    /** The span in progress when the live threads were read: its reason and how long it has lasted. */
    int currentSyscall;
    int currentKind;
    long currentNs;
    /** The thread's offCpu in the same read: what the reasons add up to unless a span ended since. */
    long liveOffCpu;

    long kernelSum() {
        long sum = 0;
        for (int i = 0; i < count; i++) {
            sum += kernelNs[i];
        }
        return sum;
    }

    int find(int sc, int k) {
        for (int i = 0; i < count; i++) {
            if (syscall[i] == sc && kind[i] == k) {
                return i;
            }
        }
        return add(sc, k);
    }

    private int add(int sc, int k) {
        if (count == syscall.length) {
            int n = count * 2;
            syscall = Arrays.copyOf(syscall, n);
            kind = Arrays.copyOf(kind, n);
            kernelNs = Arrays.copyOf(kernelNs, n);
            kernelBlocks = Arrays.copyOf(kernelBlocks, n);
            inMap = Arrays.copyOf(inMap, n);
            reportedNs = Arrays.copyOf(reportedNs, n);
            reportedBlocks = Arrays.copyOf(reportedBlocks, n);
            if (figureRows != null) {
                figureRows = Arrays.copyOf(figureRows, n);
            }
        }
        syscall[count] = sc;
        kind[count] = k;
        return count++;
    }
}

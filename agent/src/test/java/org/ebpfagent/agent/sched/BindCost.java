package org.ebpfagent.agent.sched;

import org.ebpfagent.agent.ffm.BpfObject;
import org.ebpfagent.agent.probe.BpfResources;

/**
 * What binding the scheduler's layouts to the BTF of sched.bpf.o adds to the agent's start-up:
 * the first bind in a fresh JVM (class loading and the libbpf downcalls' first use included),
 * then the median of warm binds, beside opening the object. Usage: BindCost [REPEATS] (as root
 * or not: nothing is loaded). Prints one line per figure.
 */
public final class BindCost {
    public static void main(String[] args) throws Exception {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        long t0 = System.nanoTime();
        BpfObject first = BpfResources.open("sched");
        long t1 = System.nanoTime();
        SchedLayouts.bind(first, true);
        long t2 = System.nanoTime();
        first.close();
        System.out.printf("first open %.2f ms, first bind %.2f ms%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6);
        long[] open = new long[repeats];
        long[] bind = new long[repeats];
        for (int i = 0; i < repeats; i++) {
            long a = System.nanoTime();
            try (BpfObject o = BpfResources.open("sched")) {
                long b = System.nanoTime();
                SchedLayouts.bind(o, true);
                long c = System.nanoTime();
                open[i] = b - a;
                bind[i] = c - b;
            }
        }
        java.util.Arrays.sort(open);
        java.util.Arrays.sort(bind);
        System.out.printf("warm median over %d: open %.1f us, bind %.1f us%n", repeats,
                open[repeats / 2] / 1e3, bind[repeats / 2] / 1e3);
    }
}

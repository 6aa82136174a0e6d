package org.ebpfagent.it.workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel's own per-thread accounting, read from /proc: the oracle the agent's numbers are
 * checked against. Printed as one {@code TRUTH} line per thread for the test to parse.
 */
public record Truth(String name, int tid, long onCpu, long runQueueWait, long voluntary, long involuntary,
                    long migrations) {

    /** The calling thread's tid, from the /proc/thread-self link ("PID/task/TID"). */
    public static int currentTid() {
        try {
            return Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads schedstat, status and sched of one thread of this process. */
    public static Truth of(String name, int tid) throws IOException {
        Path task = Path.of("/proc/self/task/" + tid);
        String[] schedstat = Files.readString(task.resolve("schedstat")).trim().split("\\s+");
        long vol = -1;
        long invol = -1;
        for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
                vol = Long.parseLong(line.split("\\s+")[1]);
            } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                invol = Long.parseLong(line.split("\\s+")[1]);
            }
        }
        long migrations = -1;
        for (String line : Files.readAllLines(task.resolve("sched"))) {
            if (line.startsWith("se.nr_migrations")) {
                migrations = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return new Truth(name, tid, Long.parseLong(schedstat[0]), Long.parseLong(schedstat[1]), vol, invol, migrations);
    }

    public String line() {
        return "TRUTH name=" + name + " tid=" + tid + " onCpu=" + onCpu + " runQueueWait=" + runQueueWait
                + " voluntary=" + voluntary + " involuntary=" + involuntary + " migrations=" + migrations;
    }

    public static Truth parse(String line) {
        String[] f = line.substring(line.indexOf("TRUTH ") + 6).split(" ");
        return new Truth(value(f[0]), Integer.parseInt(value(f[1])), Long.parseLong(value(f[2])),
                Long.parseLong(value(f[3])), Long.parseLong(value(f[4])), Long.parseLong(value(f[5])),
                Long.parseLong(value(f[6])));
    }

    private static String value(String kv) {
        return kv.substring(kv.indexOf('=') + 1);
    }
}

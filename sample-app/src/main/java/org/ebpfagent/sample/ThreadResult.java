package org.ebpfagent.sample;

/** What one worker thread did: its name and how many units of work it completed. */
record ThreadResult(String threadName, long units, String unit) {

    /** One summary line, aligned so the counts of different threads line up. */
    String toLine() {
        return "  %-16s %10d %s".formatted(threadName, units, unit);
    }
}

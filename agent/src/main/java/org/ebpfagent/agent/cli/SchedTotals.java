package org.ebpfagent.agent.cli;

import java.util.HashSet;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;

/** ebpf.ThreadScheduling fields summed over some events (of one thread, a group, or the process). */
final class SchedTotals {
    long onCpu;
    long runQueueWait;
    long offCpu;
    long voluntary;
    long involuntary;
    long migrations;
    /** Whether any event named a java.lang.Thread. */
    boolean java;
    final Set<Long> tids = new HashSet<>();

    void add(RecordedEvent e) {
        add(e.getThread("javaThread") != null, e.getLong("tid"), e.getLong("onCpu"), e.getLong("runQueueWait"),
                e.getLong("offCpu"), e.getLong("voluntarySwitches"), e.getLong("involuntarySwitches"),
                e.getLong("migrations"));
    }

    void add(boolean isJava, long tid, long onCpu, long runQueueWait, long offCpu,
             long voluntary, long involuntary, long migrations) {
        this.onCpu += onCpu;
        this.runQueueWait += runQueueWait;
        this.offCpu += offCpu;
        this.voluntary += voluntary;
        this.involuntary += involuntary;
        this.migrations += migrations;
        java |= isJava;
        tids.add(tid);
    }
}

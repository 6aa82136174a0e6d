package org.ebpfagent.agent.sched;

/**
 * The agent's side of one kernel thread: the cumulative values last reported (events carry the
 * difference) and up to when, and who the thread is.
 */
final class ThreadSlot {
    final int tid;
    final int nsTid;
    final long firstSeen;
    /** When the kernel created the thread (CLOCK_MONOTONIC): the Java thread registered since is this one. */
    long startNs;
    /**
     * Monotonic ns up to which the values below were reported: the next interval starts here. At
     * first the moment the kernel first saw the thread, from which its counters count.
     */
    long reportedUntil;
    /** reportedUntil in JFR's ticks once an event ended there (0: not yet), where the next one starts. */
    long reportedUntilTicks;
    /** The interval of the latest report (JFR ticks), shared by the thread's events of that poll. */
    long intervalStart;
    long intervalEnd;
    /** Cumulative values as the latest poll read them, and as of when (monotonic ns): what it reports. */
    long readOnCpu;
    long readRunQueueWait;
    long readOffCpu;
    long readVoluntary;
    long readInvoluntary;
    long readMigrations;
    long readStolen;
    long readAt;
    /** The poll that read them. */
    long readPoll = -1;
    long onCpu;
    long runQueueWait;
    long offCpu;
    long voluntary;
    long involuntary;
    long migrations;
    long stolen;
    /** The Java thread, once found: held until the slot goes, after the thread's exit is reported. */
    Thread thread;
    int registryVersion = -1;
    String osName;
    /** The raw comm bytes osName was decoded from, to notice a rename without allocating. */
    long commLo;
    long commHi;
    final OffCpuReasons reasons = new OffCpuReasons();
    /** The thread's row of the metrics; null without metrics (made at its first report). */
    org.ebpfagent.agent.metrics.ThreadRow figures;
    long lastSeenPoll;
    /** Its exit record was read: this poll's report is its last. */
    boolean exited;
    /** Reported at least once (the first report is made once its Java identity is known or waited for). */
    boolean reported;
    long createdPoll;

    ThreadSlot(int tid, int nsTid, long firstSeen) {
        this.tid = tid;
        this.nsTid = nsTid;
        this.firstSeen = firstSeen;
        this.reportedUntil = firstSeen;
    }
}

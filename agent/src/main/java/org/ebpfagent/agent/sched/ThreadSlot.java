package org.ebpfagent.agent.sched;

import java.lang.ref.WeakReference;

import org.ebpfagent.events.ThreadScheduling;

/**
 * The agent's side of one kernel thread: the cumulative values last reported (events carry the
 * difference), the event object reused for every interval of this thread, and who the thread is.
 */
final class ThreadSlot {
    final int tid;
    final int nsTid;
    final long firstSeen;
    /** Begun when this thread's current interval started; committed and begun again each report. */
    ThreadScheduling event;
    /** Whether event.begin() took effect (a recording had the event enabled): only then is its interval known. */
    boolean begunEnabled;
    /** Whether the interval this poll reported had a known start (begunEnabled when it was reported). */
    boolean intervalKnown;
    long onCpu;
    long runQueueWait;
    long offCpu;
    long voluntary;
    long involuntary;
    long migrations;
    WeakReference<Thread> thread;
    int registryVersion = -1;
    /** Resolver scans done before this slot existed: a miss after a later scan means no Java thread. */
    long scansAtCreation;
    String osName;
    /** The raw comm bytes osName was decoded from, to notice a rename without allocating. */
    long commLo;
    long commHi;
    final OffCpuReasons reasons = new OffCpuReasons();
    long lastSeenPoll;
    long createdPoll;

    ThreadSlot(int tid, int nsTid, long firstSeen, ThreadScheduling event) {
        this.tid = tid;
        this.nsTid = nsTid;
        this.firstSeen = firstSeen;
        this.event = event;
    }
}

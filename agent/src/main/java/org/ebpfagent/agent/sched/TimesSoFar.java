package org.ebpfagent.agent.sched;

import org.ebpfagent.agent.ffm.StructView;

import static org.ebpfagent.agent.sched.ThreadSchedLayout.*;

/**
 * A live thread's cumulative times as of the moment its entry was copied: the entry's totals,
 * which hold the states the thread has left, plus the state it is in, counted up to then.
 *
 * <p>That state is the one the entry says, unless the sched_walk just before the read found the
 * thread running after a switch-in that fired no program (its note, {@code seen_running_*}, see
 * on_walk in sched_logic.h): then the wait the entry says ended at that switch-in and the thread
 * has run since, which is what its next switch-out will record. Without the note a spinner whose
 * switch-in the kernel did not report was read as waiting until it next left its CPU, a second and
 * more where it had a CPU to itself. A note counts only if this poll's walk made it and the
 * entry still says the wait it was made for. Reused: {@link #of} fills it, allocating nothing.
 */
final class TimesSoFar {
    long onCpu;
    long runQueueWait;
    long offCpu;
    /** Of offCpu, the off-CPU span the thread is in: 0 unless it is off-CPU now. */
    long offCpuSpan;
    /** Whether the walk's note moved the end of the wait the entry says. */
    boolean runningSinceNote;

    /**
     * @param at       when the entry was copied
     * @param walkedAt when this poll's sched_walk began (notes made before are stale); Long.MAX_VALUE: no walk
     */
    TimesSoFar of(StructView e, long at, long walkedAt) {
        int state = e.u32(STATE);
        long since = e.u64(SINCE);
        long inState = Math.max(0, at - since);
        long ran = 0;
        runningSinceNote = false;
        if ((state == RUNNABLE || state == OFF_CPU_STATE) && e.u64(NOTED) >= walkedAt
                && e.u64(SEEN_RUNNING_FOR) == since && e.u64(SEEN_RUNNING_AT) > since) {
            long arrival = e.u64(SEEN_RUNNING_AT);
            ran = Math.max(0, at - arrival);
            inState = Math.min(arrival, at) - since;
            runningSinceNote = true;
        }
        onCpu = e.u64(ON_CPU) + (state == RUNNING ? inState : ran);
        runQueueWait = e.u64(RUNQ_WAIT) + (state == RUNNABLE ? inState : 0);
        offCpuSpan = state == OFF_CPU_STATE ? inState : 0;
        offCpu = e.u64(OFF_CPU) + offCpuSpan;
        return this;
    }
}

package org.ebpfagent.agent.cli;

import java.nio.file.Path;

import jdk.jfr.Recording;
import org.ebpfagent.events.AgentStatistics;
import org.ebpfagent.events.SlowSyscall;
import org.ebpfagent.events.ThreadScheduling;
import org.ebpfagent.events.ThreadSyscallErrors;
import org.ebpfagent.events.ThreadSyscalls;

/**
 * A real recording with the syscall probe's events and figures a test chooses, written by this
 * JVM with the agent's own event classes (as CompareTest does for the scheduler's). One poll
 * interval of about 200 ms, begun after the events so that their first commits (class loading)
 * do not stretch the measured time; a scheduling event per thread so the commands accept it.
 */
final class SyscallRecording implements AutoCloseable {
    static final long MS = 1_000_000;
    private final Recording recording = new Recording();
    private final AgentStatistics poll = new AgentStatistics();

    SyscallRecording() {
        for (String type : new String[] {"ebpf.ThreadScheduling", "ebpf.AgentStatistics", "ebpf.ThreadSyscalls",
                "ebpf.ThreadSyscallErrors", "ebpf.SlowSyscall"}) {
            recording.enable(type);
        }
        recording.start();
    }

    SyscallRecording scheduling(String thread, long tid, long onCpuMs) {
        ThreadScheduling e = new ThreadScheduling();
        e.begin();
        e.javaThread = Thread.currentThread();
        e.threadName = thread;
        e.tid = tid;
        e.onCpu = onCpuMs * MS;
        e.end();
        e.commit();
        return this;
    }

    /** One ebpf.ThreadSyscalls event; times in microseconds. */
    SyscallRecording syscalls(String thread, long tid, String syscall, long calls, long errors, long restarts,
                              long totalUs, long maxUs, long p50Us, long p99Us) {
        ThreadSyscalls e = new ThreadSyscalls();
        e.begin();
        e.javaThread = Thread.currentThread();
        e.threadName = thread;
        e.tid = tid;
        e.syscall = syscall;
        e.calls = calls;
        e.errors = errors;
        e.restarts = restarts;
        e.totalTime = totalUs * 1000;
        e.maxTime = maxUs * 1000;
        e.p50Time = p50Us * 1000;
        e.p99Time = p99Us * 1000;
        e.end();
        e.commit();
        return this;
    }

    SyscallRecording errors(String thread, long tid, String syscall, String errno, int errnoNumber, long count) {
        ThreadSyscallErrors e = new ThreadSyscallErrors();
        e.begin();
        e.threadName = thread;
        e.tid = tid;
        e.syscall = syscall;
        e.errno = errno;
        e.errnoNumber = errnoNumber;
        e.count = count;
        e.end();
        e.commit();
        return this;
    }

    SyscallRecording slow(String thread, long tid, String syscall, long timeMs, String result) {
        SlowSyscall e = new SlowSyscall();
        e.begin();
        e.threadName = thread;
        e.tid = tid;
        e.syscall = syscall;
        e.time = timeMs * MS;
        e.result = result;
        e.end();
        e.commit();
        return this;
    }

    SyscallRecording statistics(long slowSyscallsLost, long syscallEntriesDropped) {
        poll.slowSyscallsLost = slowSyscallsLost;
        poll.syscallEntriesDropped = syscallEntriesDropped;
        return this;
    }

    /** Commits a poll interval of about 200 ms, stops and writes the file. */
    Path dump(Path file) throws Exception {
        poll.begin();
        Thread.sleep(200);
        poll.end();
        poll.commit();
        recording.stop();
        recording.dump(file);
        return file;
    }

    @Override
    public void close() {
        recording.close();
    }
}

package org.ebpfagent.jmc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import jdk.jfr.Recording;

import org.ebpfagent.events.AgentStatistics;
import org.ebpfagent.events.SlowSyscall;
import org.ebpfagent.events.TcpConnect;
import org.ebpfagent.events.TcpConnection;
import org.ebpfagent.events.ThreadOffCpu;
import org.ebpfagent.events.ThreadScheduling;
import org.ebpfagent.events.ThreadSyscallErrors;
import org.ebpfagent.events.ThreadSyscalls;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.flightrecorder.CouldNotLoadRecordingException;
import org.openjdk.jmc.flightrecorder.JfrLoaderToolkit;

/**
 * A real JFR file written by this JVM with the agent's own event classes and figures the test
 * chooses, so a rule's arithmetic can be checked exactly. The agent tests (JmcIT) cover what the
 * agent itself measures.
 */
final class SyntheticRecording implements AutoCloseable {
    static final long MS = 1_000_000;
    private final Recording recording = new Recording();

    SyntheticRecording() {
        recording.enable(ThreadScheduling.class);
        recording.enable(AgentStatistics.class);
        recording.enable(ThreadOffCpu.class);
        recording.enable(TcpConnect.class);
        recording.enable(TcpConnection.class);
        recording.enable(ThreadSyscalls.class);
        recording.enable(ThreadSyscallErrors.class);
        recording.enable(SlowSyscall.class);
        recording.enable("jdk.JVMInformation");
        recording.start();
    }

    /** Commits one ebpf.ThreadScheduling event spanning about {@code spanMillis} of real time. */
    void scheduling(String name, long tid, long onCpuMs, long waitMs, long spanMillis) throws InterruptedException {
        ThreadScheduling e = new ThreadScheduling();
        e.begin();
        Thread.sleep(spanMillis);
        e.threadName = name;
        e.tid = tid;
        e.onCpu = onCpuMs * MS;
        e.runQueueWait = waitMs * MS;
        e.offCpu = 0;
        e.involuntarySwitches = waitMs;
        e.commit();
    }

    /** Commits one ebpf.ThreadOffCpu event spanning about {@code spanMillis} of real time. */
    void offCpu(String name, long tid, String syscall, String waitKind, long offCpuMs, long blocks, long spanMillis)
            throws InterruptedException {
        ThreadOffCpu e = new ThreadOffCpu();
        e.begin();
        Thread.sleep(spanMillis);
        e.threadName = name;
        e.tid = tid;
        e.syscall = syscall;
        e.waitKind = waitKind;
        e.offCpu = offCpuMs * MS;
        e.blocks = blocks;
        e.commit();
    }

    /** Commits one ebpf.TcpConnect event. */
    void connect(String name, long tid, String remote, int port, String result, long connectMs) {
        TcpConnect e = new TcpConnect();
        e.threadName = name;
        e.tid = tid;
        e.remoteAddress = remote;
        e.remotePort = port;
        e.result = result;
        e.connectTime = connectMs * MS;
        e.commit();
    }

    /** Commits one ebpf.TcpConnection event. */
    void connection(String name, long tid, String remote, int port, long retransmits, boolean open) {
        TcpConnection e = new TcpConnection();
        e.threadName = name;
        e.tid = tid;
        e.role = "client";
        e.remoteAddress = remote;
        e.remotePort = port;
        e.retransmits = retransmits;
        e.open = open;
        e.commit();
    }

    /** Commits one ebpf.ThreadSyscalls event. */
    void syscalls(String name, long tid, String syscall, long calls, long errors) {
        ThreadSyscalls e = new ThreadSyscalls();
        e.threadName = name;
        e.tid = tid;
        e.syscall = syscall;
        e.calls = calls;
        e.errors = errors;
        e.commit();
    }

    /** Commits one ebpf.ThreadSyscallErrors event spanning about {@code spanMillis} of real time. */
    void syscallErrors(String name, long tid, String syscall, String errno, long count, long spanMillis)
            throws InterruptedException {
        ThreadSyscallErrors e = new ThreadSyscallErrors();
        e.begin();
        Thread.sleep(spanMillis);
        e.threadName = name;
        e.tid = tid;
        e.syscall = syscall;
        e.errno = errno;
        e.count = count;
        e.commit();
    }

    /** Commits one ebpf.SlowSyscall event. */
    void slowSyscall(String name, long tid, String syscall, long timeMs, String result) {
        SlowSyscall e = new SlowSyscall();
        e.threadName = name;
        e.tid = tid;
        e.syscall = syscall;
        e.time = timeMs * MS;
        e.result = result;
        e.commit();
    }

    /** Commits one ebpf.AgentStatistics event with the syscall probe's two loss counters. */
    void syscallStatistics(long slowSyscallsLost, long syscallEntriesDropped) {
        AgentStatistics s = new AgentStatistics();
        s.slowSyscallsLost = slowSyscallsLost;
        s.syscallEntriesDropped = syscallEntriesDropped;
        s.commit();
    }

    void statistics(long pollNs, long errors, long threadsDropped, long exitsDropped, long probeMisses) {
        AgentStatistics s = new AgentStatistics();
        s.begin();
        s.pollTime = pollNs;
        s.errors = errors;
        s.threadsDropped = threadsDropped;
        s.exitsDropped = exitsDropped;
        s.probeMisses = probeMisses;
        s.commit();
    }

    /** Stops, writes the file and loads it with JMC's parser. */
    IItemCollection load() throws IOException, CouldNotLoadRecordingException {
        recording.stop();
        Path file = Files.createTempFile("jmc-rules", ".jfr");
        try {
            recording.dump(file);
            return JfrLoaderToolkit.loadEvents(file.toFile());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Override
    public void close() {
        recording.close();
    }
}

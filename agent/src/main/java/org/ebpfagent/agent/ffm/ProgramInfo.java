package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A loaded program's statistics from {@code struct bpf_prog_info}, read into a buffer allocated
 * once. {@code recursion_misses} (Linux 5.12+) counts tracepoint hits the kernel skipped because the
 * program was already running on that CPU: lost measurements, which the agent reports.
 * {@code run_time_ns} and {@code run_cnt} count only while {@code kernel.bpf_stats_enabled} is 1.
 * Valid while its object is open; not thread-safe.
 */
public final class ProgramInfo implements AutoCloseable {
    private static final int INFO_SIZE = 232;        // sizeof(struct bpf_prog_info) in Linux 6.x uapi
    private static final long RUN_TIME_NS = 192;
    private static final long RUN_CNT = 200;
    private static final long RECURSION_MISSES = 208;

    private final Libbpf libbpf;
    private final String program;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment info = arena.allocate(INFO_SIZE, 8);
    private final MemorySegment length = arena.allocate(JAVA_INT);

    ProgramInfo(Libbpf libbpf, String program, int fd) {
        this.libbpf = libbpf;
        this.program = program;
        this.fd = fd;
    }

    /** Reads the current statistics. An older kernel leaves the fields it lacks at zero. */
    public void refresh() throws BpfException {
        info.fill((byte) 0);
        length.set(JAVA_INT, 0, INFO_SIZE);
        int err = (int) libbpf.objGetInfoByFd.call(fd, info.address(), length.address());
        if (err < 0) {
            throw BpfException.of("prog info", program, err);
        }
    }

    /** The program's name in its object. */
    public String name() {
        return program;
    }

    public long recursionMisses() {
        return info.get(JAVA_LONG, RECURSION_MISSES);
    }

    public long runTimeNanos() {
        return info.get(JAVA_LONG, RUN_TIME_NS);
    }

    public long runCount() {
        return info.get(JAVA_LONG, RUN_CNT);
    }

    @Override
    public void close() {
        arena.close();
    }
}

package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An iterator program ({@code SEC("iter/...")}) attached once and run as often as needed: each
 * {@link #run} makes an iterator from the link and reads it to its end, which runs the program
 * over every object the link covers. A run allocates nothing on the Java heap (a poll may run
 * one). Not thread-safe; {@link #close} detaches the program.
 */
public final class BpfIterator implements AutoCloseable {
    private final Libbpf libbpf;
    private final BpfLink link;
    private final int linkFd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(4096);
    private final MemorySegment state = Libbpf.callState(arena);
    private long runs;
    private boolean closed;

    BpfIterator(Libbpf libbpf, BpfLink link) {
        this.libbpf = libbpf;
        this.link = link;
        this.linkFd = link.fd();
    }

    /** Runs the program over everything the link covers; returns the bytes it wrote. */
    public long run() throws BpfException {
        int fd = (int) libbpf.iterCreate.call(linkFd);
        if (fd < 0) {
            throw BpfException.of("iterate", link.program(), fd);
        }
        long read = Linux.drainAndClose(fd, buffer, state);
        if (read < 0) {
            throw BpfException.of("iterate", link.program(), (int) read);
        }
        runs++;
        return read;
    }

    /** Runs so far: each is three system calls (make the iterator, read it, close it). */
    public long runs() {
        return runs;
    }

    /** Detaches the program and frees the buffers. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            link.close();
        } finally {
            arena.close();
        }
    }
}

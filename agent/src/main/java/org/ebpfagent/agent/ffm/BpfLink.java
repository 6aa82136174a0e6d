package org.ebpfagent.agent.ffm;

import java.lang.foreign.MemorySegment;

/** One attached program (a libbpf {@code bpf_link}); closing it detaches the program. */
public final class BpfLink implements AutoCloseable {
    private final Libbpf libbpf;
    private final String program;
    private MemorySegment link;

    BpfLink(Libbpf libbpf, String program, MemorySegment link) {
        this.libbpf = libbpf;
        this.program = program;
        this.link = link;
    }

    public String program() {
        return program;
    }

    /** Detaches and frees the link. Idempotent. */
    @Override
    public void close() {
        if (link == null) {
            return;
        }
        try {
            int unused = (int) libbpf.linkDestroy.invokeExact(link);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        } finally {
            link = null;
        }
    }
}

package org.ebpfagent.agent.ffm;

/** One attached program (a libbpf {@code bpf_link}); closing it detaches the program. */
public final class BpfLink implements AutoCloseable {
    private final Libbpf libbpf;
    private final String program;
    private long link;

    BpfLink(Libbpf libbpf, String program, long link) {
        this.libbpf = libbpf;
        this.program = program;
        this.link = link;
    }

    public String program() {
        return program;
    }

    /** The link's file descriptor (an iterator is created from it). */
    int fd() {
        if (link == 0) {
            throw new IllegalStateException(program + ": link closed");
        }
        return (int) libbpf.linkFd.call(link);
    }

    /** Detaches and frees the link. Idempotent. */
    @Override
    public void close() {
        if (link == 0) {
            return;
        }
        try {
            libbpf.linkDestroy.call(link);
        } finally {
            link = 0;
        }
    }
}

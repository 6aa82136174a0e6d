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

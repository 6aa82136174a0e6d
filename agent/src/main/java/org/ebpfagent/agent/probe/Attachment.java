package org.ebpfagent.agent.probe;

import java.util.ArrayList;
import java.util.List;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfLink;
import org.ebpfagent.agent.ffm.BpfObject;
import org.ebpfagent.agent.ffm.ProgramInfo;

/**
 * A probe's programs of one flavour, attached in a given order: which flavour the kernel took,
 * when the last one was attached, and each program's statistics. Every probe attaches its
 * thread-exit program first; closing detaches in reverse order, so that program goes last and no
 * thread that another program gave an entry misses its exit.
 */
public final class Attachment implements AutoCloseable {
    private final String type;
    private final List<BpfLink> links;
    private final List<ProgramInfo> programs;
    private final long nanos;

    private Attachment(String type, List<BpfLink> links, List<ProgramInfo> programs, long nanos) {
        this.type = type;
        this.links = links;
        this.programs = programs;
        this.nanos = nanos;
    }

    /**
     * Attaches {@code names} (without the flavour's {@code _suffix}) of a loaded object, in order.
     * If one fails, those already attached are detached before the failure is thrown.
     *
     * @param type {@code tp_btf} or {@code raw_tp}, as {@link Flavours} chose it
     */
    public static Attachment attach(BpfObject object, List<String> names, String suffix, String type)
            throws BpfException {
        List<BpfLink> links = new ArrayList<>();
        List<ProgramInfo> programs = new ArrayList<>();
        try {
            for (String name : names) {
                links.add(object.attach(name + "_" + suffix));
            }
            long nanos = System.nanoTime();
            for (BpfLink link : links) {
                programs.add(object.programInfo(link.program()));
            }
            return new Attachment(type, links, programs, nanos);
        } catch (BpfException | RuntimeException e) {
            programs.forEach(ProgramInfo::close);
            detach(links);
            throw e;
        }
    }

    /** {@code tp_btf} or {@code raw_tp}: which program flavour the kernel accepted. */
    public String type() {
        return type;
    }

    /** How many programs are attached. */
    public int size() {
        return links.size();
    }

    /** When the last program was attached, on {@link System#nanoTime}'s clock. */
    public long nanos() {
        return nanos;
    }

    /** The attached programs' statistics, in attach order. */
    public List<ProgramInfo> programs() {
        return programs;
    }

    /** Detaches the programs, the first attached last. The object stays open: its owner closes it. Idempotent. */
    @Override
    public void close() {
        programs.forEach(ProgramInfo::close);
        programs.clear();
        detach(links);
    }

    private static void detach(List<BpfLink> links) {
        for (int i = links.size() - 1; i >= 0; i--) {
            links.get(i).close();
        }
        links.clear();
    }
}

package org.ebpfagent.agent.probe;

import org.ebpfagent.agent.ffm.BpfException;

/** A loaded probe that turns what its maps hold into JFR events, once per poll. */
public interface Recorder extends AutoCloseable {

    /** Short name used in logs and options, e.g. {@code sched}. */
    String name();

    /** BPF programs this probe has attached. */
    int attachedPrograms();

    /** When the probe's last program was attached, on {@link System#nanoTime}'s clock. */
    long attachedNanos();

    /** Which program flavour the kernel accepted: {@code tp_btf} or {@code raw_tp}. */
    String attachType();

    /** Reads the probe's maps and commits the events of the interval that ends now. */
    void poll(PollStats stats) throws BpfException;

    /** Detaches the probe and frees its kernel objects. */
    @Override
    void close();
}

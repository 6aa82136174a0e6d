package org.ebpfagent.agent.probe;

import org.ebpfagent.agent.ffm.BpfException;

/** A loaded probe that turns what its maps hold into JFR events, once per poll. */
public interface Recorder extends AutoCloseable {

    /** Short name used in logs and options, e.g. {@code sched}. */
    String name();

    /** The probe's programs as attached: how many, which flavour, when, and their statistics. */
    Attachment attachment();

    /** Reads the probe's maps and commits the events of the interval that ends now. */
    void poll(PollStats stats) throws BpfException;

    /** Detaches the probe and frees its kernel objects. */
    @Override
    void close();
}

package org.ebpfagent.agent.probe;

import org.ebpfagent.agent.ffm.BpfException;

/** A loaded probe that turns what its maps hold into JFR events, once per poll. */
public interface Recorder extends AutoCloseable {

    /** Short name used in logs and options, e.g. {@code sched}. */
    String name();

    /** The probe's programs as attached: how many, which flavour, when, and their statistics. */
    Attachment attachment();

    /**
     * Makes the recorder's event objects: called once, when JFR's Java side is up
     * ({@link EventClock#jfrUp}), before the next poll and outside it. Until then the recorder
     * writes no event and loads no event class: the first one loaded sets up JFR, ~0.4 s of CPU
     * that a JVM without a recording should not pay. A JDK whose JFR lacks what the
     * {@link EventClock} sets gets no events (the poller warns); the metrics still work.
     */
    void startEvents() throws EventClock.Unsupported, BpfException;

    /** Reads the probe's maps and commits the events of the interval that ends now (none before {@link #startEvents}). */
    void poll(PollStats stats) throws BpfException;

    /** Detaches the probe and frees its kernel objects. */
    @Override
    void close();
}

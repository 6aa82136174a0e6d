package org.ebpfagent.jmc.lanes;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.flightrecorder.parser.IEventSink;

/**
 * One chunk reader's events of one ebpf event type, held until the whole recording is read and
 * then handed on in order of end time.
 *
 * <p>Why: JMC 9.1 files each duration event type's events into "lanes" of disjoint events
 * ({@code DisjointBuilder}), and its binary search for a lane returns the wrong lane when an
 * event's end equals a lane's end exactly; the lane then moves to the wrong place, and later
 * moves overwrite one lane with another: events go missing and others appear twice. The agent's
 * events meet that case all the time, since all its events about one thread and interval share
 * one start and end and a thread's intervals follow each other without a gap: in one of four test
 * recordings some type lost or doubled events. Handed over in order of end time, every event ends
 * at or after every lane, the search can only answer "first lane", and nothing is lost. JDK events
 * are not held: they are not this extension's to change.
 *
 * <p>Not thread-safe: like every sink, one per chunk reader; {@link #handOn} runs once, after all
 * readers are done.
 */
final class HeldEvents implements IEventSink {
    private final String key;
    private final IEventSink next;
    private final int startTime;
    private final int duration;
    private final List<Object[]> events = new ArrayList<>();

    /**
     * @param key the event type and its fields: held events of one key may go to any one of their sinks
     * @param startTime index of the start time field
     * @param duration index of the duration field
     */
    HeldEvents(String key, IEventSink next, int startTime, int duration) {
        this.key = key;
        this.next = next;
        this.startTime = startTime;
        this.duration = duration;
    }

    String key() {
        return key;
    }

    /** Keeps a copy: the parser reads the next event into the same array. */
    @Override
    public void addEvent(Object[] values) {
        events.add(values.clone());
    }

    /**
     * Hands the events of {@code held} (one key, all chunk readers) to the first one's next sink,
     * by end time; ties and events without a readable end keep the order they came in.
     */
    static void handOn(List<HeldEvents> held) {
        if (held.isEmpty()) {
            return;
        }
        HeldEvents first = held.get(0);
        List<Ending> all = new ArrayList<>();
        boolean sortable = true;
        for (HeldEvents h : held) {
            for (Object[] values : h.events) {
                IQuantity end = first.end(values);
                sortable &= end != null;
                all.add(new Ending(values, end));
            }
            h.events.clear();
        }
        if (sortable) {
            try {
                all.sort(Comparator.comparing(Ending::end)); // stable
            } catch (RuntimeException e) {
                // Ends JMC cannot compare: leave the order as it came, as without this class.
            }
        }
        for (Ending e : all) {
            first.next.addEvent(e.values);
        }
    }

    private IQuantity end(Object[] values) {
        try {
            if (values[startTime] instanceof IQuantity start && values[duration] instanceof IQuantity d) {
                return start.add(d);
            }
        } catch (RuntimeException e) {
            // not a timestamp and a timespan: no end to sort by
        }
        return null;
    }

    private record Ending(Object[] values, IQuantity end) {}
}

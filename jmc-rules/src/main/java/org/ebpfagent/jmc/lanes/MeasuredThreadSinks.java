package org.ebpfagent.jmc.lanes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.flightrecorder.JfrAttributes;
import org.openjdk.jmc.flightrecorder.parser.IEventSink;
import org.openjdk.jmc.flightrecorder.parser.IEventSinkFactory;
import org.openjdk.jmc.flightrecorder.parser.ValueField;

/**
 * One recording's sink factory: wraps the sinks of ebpf event types (measured thread, and
 * {@link HeldEvents} for duration events), hands every other type straight to the next factory.
 * JMC calls {@link #create} from its parallel chunk readers, so the shared state (the threads made
 * from a tid, the held events) is thread-safe; {@link #flush} runs once, after all readers.
 */
final class MeasuredThreadSinks implements IEventSinkFactory {
    /** The agent's event types: JDK and other events are never touched. */
    static final String EBPF_PREFIX = "ebpf.";
    static final String JAVA_THREAD = "javaThread";
    static final String TID = "tid";
    static final String THREAD_NAME = "threadName";

    private final IEventSinkFactory next;
    private final OsThreads osThreads = new OsThreads();
    private final List<HeldEvents> held = new ArrayList<>();

    MeasuredThreadSinks(IEventSinkFactory next) {
        this.next = next;
    }

    @Override
    public IEventSink create(String identifier, String label, String[] category, String description,
            List<ValueField> fields) {
        IEventSink sink = next.create(identifier, label, category, description, fields);
        if (identifier == null || !identifier.startsWith(EBPF_PREFIX)) {
            return sink;
        }
        int eventThread = -1;
        int javaThread = -1;
        int tid = -1;
        int threadName = -1;
        int startTime = -1;
        int duration = -1;
        StringBuilder key = new StringBuilder(identifier);
        for (int i = 0; i < fields.size(); i++) {
            ValueField f = fields.get(i);
            key.append(' ').append(f.getIdentifier()).append(':').append(f.getContentType().getIdentifier());
            if (f.matches(JfrAttributes.EVENT_THREAD)) {
                eventThread = i;
            } else if (f.matches(JfrAttributes.START_TIME)) {
                startTime = i;
            } else if (f.matches(JfrAttributes.DURATION)) {
                duration = i;
            } else if (JAVA_THREAD.equals(f.getIdentifier()) && UnitLookup.THREAD.equals(f.getContentType())) {
                javaThread = i;
            } else if (TID.equals(f.getIdentifier())) {
                tid = i;
            } else if (THREAD_NAME.equals(f.getIdentifier())) {
                threadName = i;
            }
        }
        if (startTime >= 0 && duration >= 0) {
            HeldEvents h = new HeldEvents(key.toString(), sink, startTime, duration);
            synchronized (held) {
                held.add(h);
            }
            sink = h;
        }
        // ebpf.AgentStatistics and any type without a measured thread keep their own thread.
        if (eventThread < 0 || (javaThread < 0 && tid < 0)) {
            return sink;
        }
        return new MeasuredThreadSink(sink, eventThread, javaThread, tid, threadName, osThreads);
    }

    /** Hands on the held events, each type's in order of end time, then flushes the next factory. */
    @Override
    public void flush() {
        Map<String, List<HeldEvents>> byType = new LinkedHashMap<>();
        synchronized (held) {
            for (HeldEvents h : held) {
                byType.computeIfAbsent(h.key(), k -> new ArrayList<>()).add(h);
            }
            held.clear();
        }
        for (List<HeldEvents> h : byType.values()) {
            HeldEvents.handOn(h);
        }
        next.flush();
    }
}

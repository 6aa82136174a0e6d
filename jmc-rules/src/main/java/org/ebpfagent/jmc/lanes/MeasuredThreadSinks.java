package org.ebpfagent.jmc.lanes;

import java.util.List;

import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.flightrecorder.JfrAttributes;
import org.openjdk.jmc.flightrecorder.parser.IEventSink;
import org.openjdk.jmc.flightrecorder.parser.IEventSinkFactory;
import org.openjdk.jmc.flightrecorder.parser.ValueField;

/**
 * One recording's sink factory: wraps the sinks of ebpf event types that carry a measured thread,
 * hands every other type straight to the next factory. JMC calls {@link #create} from its parallel
 * chunk readers, so the only shared state, the threads made from a tid, is thread-safe.
 */
final class MeasuredThreadSinks implements IEventSinkFactory {
    /** The agent's event types: JDK and other events are never touched. */
    static final String EBPF_PREFIX = "ebpf.";
    static final String JAVA_THREAD = "javaThread";
    static final String TID = "tid";
    static final String THREAD_NAME = "threadName";

    private final IEventSinkFactory next;
    private final OsThreads osThreads = new OsThreads();

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
        for (int i = 0; i < fields.size(); i++) {
            ValueField f = fields.get(i);
            if (f.matches(JfrAttributes.EVENT_THREAD)) {
                eventThread = i;
            } else if (JAVA_THREAD.equals(f.getIdentifier()) && UnitLookup.THREAD.equals(f.getContentType())) {
                javaThread = i;
            } else if (TID.equals(f.getIdentifier())) {
                tid = i;
            } else if (THREAD_NAME.equals(f.getIdentifier())) {
                threadName = i;
            }
        }
        // ebpf.AgentStatistics and any type without a measured thread keep their own thread.
        if (eventThread < 0 || (javaThread < 0 && tid < 0)) {
            return sink;
        }
        return new MeasuredThreadSink(sink, eventThread, javaThread, tid, threadName, osThreads);
    }

    @Override
    public void flush() {
        next.flush();
    }
}

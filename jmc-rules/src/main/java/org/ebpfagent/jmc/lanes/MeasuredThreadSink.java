package org.ebpfagent.jmc.lanes;

import org.openjdk.jmc.common.IMCThread;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.flightrecorder.parser.IEventSink;

/**
 * The sink of one ebpf event type in one of JMC's chunk readers: sets each event's thread to the
 * thread it measured, then passes the event on. An event that names no thread ({@code javaThread}
 * null and {@code tid} 0, e.g. a TCP connection whose owner is unknown) keeps the agent's thread.
 */
final class MeasuredThreadSink implements IEventSink {
    private final IEventSink next;
    private final int eventThread;
    private final int javaThread;
    private final int tid;
    private final int threadName;
    private final OsThreads osThreads;

    /** Field indexes as in the event type's value fields; -1 for a field the type lacks. */
    MeasuredThreadSink(IEventSink next, int eventThread, int javaThread,
            int tid, int threadName, OsThreads osThreads) {
        this.next = next;
        this.eventThread = eventThread;
        this.javaThread = javaThread;
        this.tid = tid;
        this.threadName = threadName;
        this.osThreads = osThreads;
    }

    @Override
    public void addEvent(Object[] values) {
        IMCThread measured = null;
        try {
            measured = measured(values);
        } catch (RuntimeException e) {
            // A value of an unexpected kind: the event keeps its thread rather than fail the load.
        }
        if (measured == null) {
            next.addEvent(values);
            return;
        }
        // A copy: the array is the parser's, which reads its next event into it.
        Object[] moved = values.clone();
        moved[eventThread] = measured;
        next.addEvent(moved);
    }

    private IMCThread measured(Object[] values) {
        if (javaThread >= 0 && values[javaThread] instanceof IMCThread t) {
            return t;
        }
        if (tid < 0) {
            return null;
        }
        long id = toLong(values[tid]);
        if (id <= 0) {
            return null;
        }
        Object name = threadName >= 0 ? values[threadName] : null;
        return osThreads.of(id, name == null ? null : name.toString(), values[eventThread]);
    }

    private static long toLong(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        if (value instanceof IQuantity q) {
            return q.longValue();
        }
        return 0;
    }
}

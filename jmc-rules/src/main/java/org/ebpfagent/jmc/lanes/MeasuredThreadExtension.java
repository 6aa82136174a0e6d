package org.ebpfagent.jmc.lanes;

import org.openjdk.jmc.flightrecorder.parser.IEventSinkFactory;
import org.openjdk.jmc.flightrecorder.parser.IParserExtension;

/**
 * Makes the measured thread the event thread of every ebpf event: the event's {@code javaThread}
 * when the agent named one, otherwise a thread with the event's {@code tid} as its OS thread id
 * and {@code threadName} as its name (a JVM thread with no java.lang.Thread, such as a GC or JIT
 * compiler thread). Stateless: JMC asks for one sink factory per recording it loads.
 */
public final class MeasuredThreadExtension implements IParserExtension {

    @Override
    public IEventSinkFactory getEventSinkFactory(IEventSinkFactory subFactory) {
        return new MeasuredThreadSinks(subFactory);
    }

    /** The parser's own interpretation of every field: this extension changes values, not types. */
    @Override
    public String getValueInterpretation(String eventTypeId, String fieldId) {
        return null;
    }
}

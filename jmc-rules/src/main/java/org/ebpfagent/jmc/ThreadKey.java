package org.ebpfagent.jmc;

import java.util.function.Function;

import org.openjdk.jmc.common.IMCThread;
import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IMemberAccessor;

/**
 * One measured thread: its Linux tid and the name to show. Events name the thread in
 * {@code threadName} (the Java name, or the OS name for JVM threads without a java.lang.Thread);
 * the event's own thread is the agent's poller and says nothing about the thread measured.
 */
public record ThreadKey(long tid, String name) {

    /** Groups ebpf events that carry {@code tid} and {@code threadName} (and, if present, {@code javaThread}). */
    public static final KeyOf<ThreadKey> OF = type -> {
        IMemberAccessor<?, IItem> tid = EventSums.field(type, EbpfEvents.TID);
        IMemberAccessor<?, IItem> name = EventSums.field(type, EbpfEvents.THREAD_NAME);
        IMemberAccessor<?, IItem> javaThread = optionalField(type, EbpfEvents.JAVA_THREAD);
        return (Function<IItem, ThreadKey>) item -> {
            Object n = name.getMember(item);
            if ((n == null || n.toString().isEmpty()) && javaThread != null
                    && javaThread.getMember(item) instanceof IMCThread t) {
                n = t.getThreadName();
            }
            return new ThreadKey(EventSums.toLong(tid.getMember(item)), n == null ? "?" : n.toString());
        };
    };

    /** "name [tid]", as the agent's own reports print a thread. */
    @Override
    public String toString() {
        return name + " [" + tid + "]";
    }

    private static IMemberAccessor<?, IItem> optionalField(org.openjdk.jmc.common.item.IType<IItem> type, String id) {
        try {
            return EventSums.field(type, id);
        } catch (MissingAttributeException e) {
            return null;
        }
    }
}

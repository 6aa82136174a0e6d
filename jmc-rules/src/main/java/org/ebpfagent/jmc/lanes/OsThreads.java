package org.ebpfagent.jmc.lanes;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.openjdk.jmc.common.IMCThread;

/**
 * Threads known to an event only by OS thread id and name: JVM threads without a
 * java.lang.Thread (GC workers, JIT compilers, the VM thread) and threads the agent had not
 * matched to one yet. JMC tells threads apart by OS thread id alone (its parser's thread type
 * compares nothing else), so such a thread must be of that same type to share a lane with the
 * JDK's own events of the thread: it is made as one, the way the parser makes it, from the class of
 * a thread the parser made. Should a JMC version make that impossible, the thread is an {@link
 * OsThread}: the event still leaves the poller's lane, for a lane of its own.
 */
final class OsThreads {
    private final ConcurrentMap<Key, IMCThread> made = new ConcurrentHashMap<>();
    private volatile Maker maker;

    private record Key(long tid, String name) {}

    /**
     * The thread with OS thread id {@code tid} and name {@code name}, one object per pair for the
     * recording; {@code template} is a thread the parser made (the event's own thread).
     */
    IMCThread of(long tid, String name, Object template) {
        return made.computeIfAbsent(new Key(tid, name), k -> maker(template).make(k.tid, k.name));
    }

    private Maker maker(Object template) {
        Maker m = maker;
        if (m == null) {
            if (!(template instanceof IMCThread)) {
                return OsThread::new; // nothing to learn the parser's class from yet
            }
            m = ParserThreadMaker.of(template);
            maker = m;
        }
        return m;
    }

    @FunctionalInterface
    private interface Maker {
        IMCThread make(long tid, String name);
    }

    /** Instances of the parser's own thread class, with the OS thread id and OS name set. */
    private static final class ParserThreadMaker implements Maker {
        private final Constructor<?> constructor;
        private final Field osThreadId;
        private final Field osName;

        private ParserThreadMaker(Constructor<?> constructor, Field osThreadId, Field osName) {
            this.constructor = constructor;
            this.osThreadId = osThreadId;
            this.osName = osName;
        }

        /**
         * A maker for {@code template}'s class if that class has the fields JMC's thread type has
         * and its equality is the OS thread id's (checked on a copy of the template); else the
         * fallback.
         */
        static Maker of(Object template) {
            try {
                Class<?> type = template.getClass();
                Constructor<?> c = type.getDeclaredConstructor();
                c.setAccessible(true);
                Field id = type.getDeclaredField("osThreadId");
                Field name = type.getDeclaredField("osName");
                id.setAccessible(true);
                name.setAccessible(true);
                ParserThreadMaker m = new ParserThreadMaker(c, id, name);
                Object own = id.get(template);
                if (own instanceof Long l) {
                    IMCThread copy = m.make(l, "copy");
                    IMCThread other = m.make(l + 1, "copy");
                    if (copy.equals(template) && template.equals(copy) && copy.hashCode() == template.hashCode()
                            && !copy.equals(other)) {
                        return m;
                    }
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Not the class this was written against (JMC 9.1's parser thread): fall back.
            }
            return OsThread::new;
        }

        @Override
        public IMCThread make(long tid, String name) {
            try {
                Object t = constructor.newInstance();
                osThreadId.set(t, tid);
                osName.set(t, name);
                return (IMCThread) t;
            } catch (ReflectiveOperationException e) {
                return new OsThread(tid, name);
            }
        }
    }

    /** A thread of this package's own: equal to another by OS thread id, as JMC's are. */
    static final class OsThread implements IMCThread {
        private final long tid;
        private final String name;

        OsThread(long tid, String name) {
            this.tid = tid;
            this.name = name;
        }

        /** No java.lang.Thread id: the thread is known by its OS thread id. */
        @Override
        public Long getThreadId() {
            return null;
        }

        @Override
        public String getThreadName() {
            return name;
        }

        @Override
        public org.openjdk.jmc.common.IMCThreadGroup getThreadGroup() {
            return null;
        }

        long osThreadId() {
            return tid;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof OsThread t && t.tid == tid;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(tid); // as the parser's thread: the hash of its OS thread id
        }

        @Override
        public String toString() {
            return name == null ? "" : name;
        }
    }
}

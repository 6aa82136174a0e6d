package org.ebpfagent.agent.threads;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.HotSpotVm;
import org.ebpfagent.agent.ffm.ThreadStarts;
import org.ebpfagent.agent.util.Log;

/**
 * Fills the {@link ThreadRegistry} with every live Java thread and its Linux tid.
 *
 * <p>On HotSpot the tid is exact: Thread.eetop points at the native JavaThread, whose OSThread
 * holds the tid, at offsets the JVM publishes in its serviceability table. That covers threads
 * started before the agent, subclasses of Thread, renamed threads and reused tids alike, with no
 * bytecode instrumentation. Elsewhere, threads are matched by name ({@link ThreadNames}).
 * A scan costs one enumeration of the live threads; it runs only when the kernel shows a thread
 * the registry does not know yet. The first scan binds to the JVM (tens of ms while the agent
 * starts), so that creating a resolver costs nothing before the probes are attached.
 * Thread-safe: the poller scans, and the agent's set-up once more.
 */
public final class ThreadResolver {
    private static final Log LOG = Log.named("ebpf-agent");

    private final ThreadRegistry registry;
    private final Instrumentation inst;
    private ToLongFunction<Thread> eetop;
    private HotSpotVm vm;
    private Thread[] threads = new Thread[64];
    private volatile long scans;
    private volatile boolean watching;

    private ThreadResolver(ThreadRegistry registry, Instrumentation inst) {
        this.registry = registry;
        this.inst = inst;
    }

    /** An exact resolver when the JVM allows it, else one that matches thread names. */
    public static ThreadResolver create(ThreadRegistry registry, Instrumentation inst) {
        return new ThreadResolver(registry, inst);
    }

    /** Binds to the JVM's thread structures, or settles for names: at the first scan. */
    private void bind() {
        try {
            vm = HotSpotVm.open();
            eetop = isolatedEetopAccess(inst);
        } catch (BpfException | ReflectiveOperationException | IOException | RuntimeException | LinkageError e) {
            vm = null;
            LOG.info("Java threads are matched to kernel threads by name ({})", e.getMessage());
        }
    }

    /** "tid" when tids are read exactly, "name" when threads are matched by name (known after a scan). */
    public String method() {
        return vm != null ? "tid" : "name";
    }

    public long scans() {
        return scans;
    }

    /**
     * From now on, registers every Java thread that starts, in the thread itself before its
     * {@code run()} (JVMTI ThreadStart): a thread is known by its tid however short its life,
     * with no scan. The scans remain for threads that started earlier.
     */
    public void watchStarts() throws BpfException {
        ThreadStarts.listen(registry::registerCurrentThread);
        watching = true;
    }

    /**
     * Whether Java threads register themselves as they start: then, after one scan for those that
     * started before, a thread the registry does not know has no java.lang.Thread, and scanning
     * again for it would only cost (one enumeration of every live thread).
     */
    public boolean watchingStarts() {
        return watching;
    }

    /** Registers every live Java thread under its tid; returns how many are registered. */
    public synchronized int scan() {
        if (scans++ == 0) {
            bind();
        }
        int n = enumerate();
        if (vm == null) {
            int registered = ThreadNames.register(registry, java.util.Arrays.copyOf(threads, n));
            java.util.Arrays.fill(threads, 0, n, null);
            return registered;
        }
        int registered = 0;
        for (int i = 0; i < n; i++) {
            Thread t = threads[i];
            long javaThread = eetop.applyAsLong(t);
            int tid = vm.osThreadId(javaThread);
            long at = System.nanoTime();
            // A thread that ended during the read may have left a stale pointer: trust only the
            // living. Alive at both reads of eetop, it was alive at `at` too.
            if (tid > 0 && t.isAlive() && eetop.applyAsLong(t) != 0) {
                registry.register(t, tid, at);
                registered++;
            }
            threads[i] = null;
        }
        return registered;
    }

    /** Fills {@link #threads} with the live threads (growing it if needed) and returns their number. */
    private int enumerate() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        int n;
        while ((n = root.enumerate(threads, true)) == threads.length) {
            threads = new Thread[threads.length * 2];
        }
        return n;
    }

    /**
     * Defines {@link EetopAccess} in a class loader of its own and opens java.lang to that
     * loader's module only, instead of to the class path the application shares with the agent.
     */
    private static ToLongFunction<Thread> isolatedEetopAccess(Instrumentation inst)
            throws IOException, ReflectiveOperationException {
        String name = EetopAccess.class.getName();
        byte[] bytes;
        try (InputStream in = ThreadResolver.class.getResourceAsStream("/" + name.replace('.', '/') + ".class")) {
            if (in == null) {
                throw new IOException(name + " missing from the agent jar");
            }
            bytes = in.readAllBytes();
        }
        var loader = new ClassLoader("ebpf-agent-eetop", ThreadResolver.class.getClassLoader()) {
            Class<?> define() {
                return defineClass(name, bytes, 0, bytes.length);
            }
        };
        Class<?> access = loader.define();
        Module javaBase = Thread.class.getModule();
        inst.redefineModule(javaBase, Set.of(), Map.of(), Map.of("java.lang", Set.of(access.getModule())),
                Set.of(), Map.of());
        @SuppressWarnings("unchecked")
        ToLongFunction<Thread> eetop = (ToLongFunction<Thread>) access.getDeclaredConstructor().newInstance();
        return eetop;
    }
}

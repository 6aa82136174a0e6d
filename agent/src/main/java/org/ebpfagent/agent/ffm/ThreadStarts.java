package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.NoSuchElementException;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Runs a callback in every Java thread that starts from now on, in that thread, before its
 * {@code run()} begins: JVMTI's ThreadStart event, received through a JVMTI environment the agent
 * asks the running JVM for ({@code JNI_GetCreatedJavaVMs}, {@code GetEnv}) and an FFM upcall. A
 * thread that lives a few milliseconds is thus known by its tid before the kernel's first report
 * of it, whatever the poll interval and however busy the machine: no scan, no timer, no
 * watcher thread. Threads that started earlier are the resolver's scan's to find.
 *
 * <p>ThreadStart needs no JVMTI capability, so any JVM that offers JVMTI can give it, in the live
 * phase, from Java. The callback must not throw (an exception in an upcall ends the JVM): it is
 * wrapped. The environment and the upcall stub live as long as the JVM; {@link #listen} replaces
 * the callback. Thread-safe.
 */
public final class ThreadStarts {
    private static final int JNI_OK = 0;
    private static final int JVMTI_VERSION_1_2 = 0x30010200;
    private static final int JVMTI_ENABLE = 1;
    private static final int JVMTI_EVENT_THREAD_START = 52;
    /** Function table slots (0-based) in JNIInvokeInterface and jvmtiInterface_1 (jni.h, jvmti.h). */
    private static final int GET_ENV = 6;
    private static final int SET_EVENT_NOTIFICATION_MODE = 1;
    private static final int SET_EVENT_CALLBACKS = 121;
    /** jvmtiEventCallbacks up to ThreadStart, its third member: VMInit, VMDeath, ThreadStart. */
    private static final int CALLBACKS_SIZE = 3 * 8;
    private static final int THREAD_START_AT = 2 * 8;

    private static final long VM_CREATED_WITHIN_NANOS = 60_000_000_000L;

    private static volatile Runnable listener;
    private static boolean installed;

    private ThreadStarts() {}

    /**
     * From now on, runs {@code onStart} in every Java thread that starts, first thing. Exceptions
     * it throws are dropped. Calling it again replaces the callback.
     */
    public static synchronized void listen(Runnable onStart) throws BpfException {
        listener = onStart;
        if (!installed) {
            install();
            installed = true;
        }
    }

    private static void install() throws BpfException {
        SymbolLookup jvm = HotSpotVm.libjvm();
        try (Arena call = Arena.ofConfined()) {
            // Every downcall in the agent's one shape (CFunction): int arguments travel as longs,
            // int results are the low bits. SetEventNotificationMode is variadic in jvmti.h (for
            // future arguments, none passed): called as if it were not, which the C calling
            // conventions of x86-64 and AArch64 on Linux allow for integer arguments.
            CFunction createdVms = CFunction.find(jvm, "JNI_GetCreatedJavaVMs");
            MemorySegment vms = call.allocate(ADDRESS);
            MemorySegment count = call.allocate(JAVA_INT);
            // The JVM counts itself created only once its start-up is over, which runs premain:
            // from an agent's first moments it may take a few milliseconds more.
            long deadline = System.nanoTime() + VM_CREATED_WITHIN_NANOS;
            while (true) {
                check("JNI_GetCreatedJavaVMs", (int) createdVms.call(vms.address(), 1, count.address()));
                if (count.get(JAVA_INT, 0) >= 1) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new BpfException("jvmti", "JNI_GetCreatedJavaVMs", Errno.ENOENT,
                            "the JVM did not finish starting within 60 s");
                }
                Thread.sleep(1);
            }
            MemorySegment vm = vms.get(ADDRESS, 0).reinterpret(8);

            MemorySegment env = call.allocate(ADDRESS);
            check("GetEnv", (int) CFunction.at(function(vm, GET_ENV)).call(vm.address(), env.address(), JVMTI_VERSION_1_2));
            MemorySegment jvmti = env.get(ADDRESS, 0).reinterpret(8);

            MethodHandle target = MethodHandles.lookup().findStatic(ThreadStarts.class, "threadStart",
                    MethodType.methodType(void.class, MemorySegment.class, MemorySegment.class, MemorySegment.class));
            MemorySegment stub = Linker.nativeLinker().upcallStub(target,
                    FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS), Arena.global()); // for as long as the JVM runs
            MemorySegment callbacks = call.allocate(CALLBACKS_SIZE, 8); // JVMTI copies it
            callbacks.set(ADDRESS, THREAD_START_AT, stub);
            check("SetEventCallbacks", (int) CFunction.at(function(jvmti, SET_EVENT_CALLBACKS))
                    .call(jvmti.address(), callbacks.address(), CALLBACKS_SIZE));
            check("SetEventNotificationMode", (int) CFunction.at(function(jvmti, SET_EVENT_NOTIFICATION_MODE))
                    .call(jvmti.address(), JVMTI_ENABLE, JVMTI_EVENT_THREAD_START, 0));
        } catch (BpfException e) {
            throw e;
        } catch (NoSuchElementException e) {
            throw new BpfException("find", e.getMessage(), Errno.ENOENT, "libjvm.so does not export it");
        } catch (Throwable t) {
            throw new BpfException("jvmti", "ThreadStart", Errno.EINVAL, t.toString());
        }
    }

    /** The function at {@code slot} of the table an interface pointer ({@code JavaVM*}, {@code jvmtiEnv*}) points to. */
    private static MemorySegment function(MemorySegment iface, int slot) {
        MemorySegment table = iface.get(ADDRESS, 0).reinterpret((slot + 1) * 8L);
        return table.get(ADDRESS, slot * 8L);
    }

    private static void check(String call, int result) throws BpfException {
        if (result != JNI_OK) {
            throw new BpfException("jvmti", call, Errno.EINVAL, "error " + result);
        }
    }

    /** The ThreadStart callback (jvmtiEnv*, JNIEnv*, jthread), in the starting thread. */
    private static void threadStart(MemorySegment jvmti, MemorySegment jni, MemorySegment thread) {
        Runnable l = listener;
        if (l != null) {
            try {
                l.run();
            } catch (Throwable ignored) {
                // an exception leaving an upcall would end the JVM
            }
        }
    }
}

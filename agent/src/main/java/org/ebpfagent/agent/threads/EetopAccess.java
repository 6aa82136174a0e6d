package org.ebpfagent.agent.threads;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.ToLongFunction;

/**
 * Reads {@code java.lang.Thread.eetop}, HotSpot's pointer from a Thread to its native JavaThread.
 *
 * <p>Defined by {@link ThreadResolver} in a class loader of its own, and {@code java.lang} is
 * opened to that loader's module alone: the application's classes gain no access they did not
 * have. Not meant to be loaded any other way.
 */
public final class EetopAccess implements ToLongFunction<Thread> {
    private final VarHandle eetop;

    public EetopAccess() throws ReflectiveOperationException {
        eetop = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup())
                .findVarHandle(Thread.class, "eetop", long.class);
    }

    @Override
    public long applyAsLong(Thread thread) {
        return (long) eetop.getVolatile(thread);
    }
}

package org.ebpfagent.agent.threads;

import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Tid reuse: one tid names a thread that ended and the one that took it; a lookup tells them apart
 * by the lifetime the kernel gives, and forgetting the old one never undoes the new one.
 */
class ThreadRegistryTest {

    @Test
    void aReusedTidNamesEachThreadForItsOwnLifetime() throws Exception {
        ThreadRegistry registry = new ThreadRegistry();
        Thread old = Thread.ofPlatform().start(() -> { });
        old.join();
        registry.register(old, 4242, 1_000); // alive at 1 us: it lived from 500 ns to 2 us
        CountDownLatch release = new CountDownLatch(1);
        Thread reuser = Thread.ofPlatform().start(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        int before = registry.version();
        registry.register(reuser, 4242, 5_000); // created at 3 us, still alive
        assertEquals(before + 1, registry.version(), "a new mapping must change the version");
        assertSame(old, registry.lookup(4242, 500, 2_000), "the old thread's exit record names the old thread");
        assertSame(reuser, registry.lookup(4242, 3_000, Long.MAX_VALUE), "the live thread is the new one");
        assertNull(registry.lookup(4242, 6_000, Long.MAX_VALUE), "a thread created later is neither");
        registry.forget(4242, 2_000); // the old thread's exit is reported
        registry.afterPoll();
        assertSame(old, registry.lookup(4242, 500, 2_000), "still named during the poll after its exit's");
        registry.afterPoll();
        assertNull(registry.lookup(4242, 500, 2_000));
        assertSame(reuser, registry.lookup(4242, 3_000, Long.MAX_VALUE), "a live thread's mapping must survive");
        registry.register(reuser, 4242, 9_000);
        assertEquals(before + 1, registry.version(), "re-registering the same thread is not a change");
        registry.forget(4242, Long.MAX_VALUE);
        registry.afterPoll();
        registry.afterPoll();
        assertSame(reuser, registry.lookup(4242, 3_000, Long.MAX_VALUE), "alive: never forgotten");
        release.countDown();
        reuser.join();
        registry.forget(4242, Long.MAX_VALUE);
        registry.afterPoll();
        registry.afterPoll();
        assertNull(registry.lookup(4242, 0, Long.MAX_VALUE));
        assertEquals(0, registry.size());
    }

    @Test
    void commNameIsTheFirstFifteenUtf8Bytes() {
        assertEquals("pool-1-thread-1", ThreadNames.comm("pool-1-thread-1"));
        assertEquals("ForkJoinPool.co", ThreadNames.comm("ForkJoinPool.commonPool-worker-1"));
        assertEquals("Reference Handl", ThreadNames.comm("Reference Handler"));
        assertEquals("naïve-worker-t", ThreadNames.comm("naïve-worker-thread"), "bytes, not characters");
        assertEquals("abcdefghijklmn", ThreadNames.comm("abcdefghijklmnë-x"), "a cut multi-byte character is dropped");
    }
}

package org.ebpfagent.agent.threads;

import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Tid reuse: a new thread on a reused tid replaces the old one and is never undone by its exit. */
class ThreadRegistryTest {

    @Test
    void reusedTidBelongsToTheNewThreadAndSurvivesTheOldOnesExit() throws Exception {
        ThreadRegistry registry = new ThreadRegistry();
        Thread old = Thread.ofPlatform().start(() -> { });
        old.join();
        registry.register(old, 4242);
        CountDownLatch release = new CountDownLatch(1);
        Thread reuser = Thread.ofPlatform().start(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        int before = registry.version();
        registry.register(reuser, 4242);
        assertEquals(before + 1, registry.version(), "a new mapping must change the version");
        registry.forget(4242); // the old thread's exit record arrives late
        assertSame(reuser, registry.lookup(4242).get(), "a live thread's mapping must survive");
        registry.register(reuser, 4242);
        assertEquals(before + 1, registry.version(), "re-registering the same thread is not a change");
        release.countDown();
        reuser.join();
        registry.forget(4242);
        assertNull(registry.lookup(4242));
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

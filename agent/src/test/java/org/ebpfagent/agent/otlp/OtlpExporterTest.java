package org.ebpfagent.agent.otlp;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.ebpfagent.agent.metrics.Metrics;
import org.ebpfagent.agent.metrics.MetricsSnapshot;
import org.ebpfagent.agent.probe.PollStats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The poller's side of the exporter against a real HTTP server that holds its answers. */
class OtlpExporterTest {

    /**
     * While the collector holds the first request, the poller's hand-offs neither block nor
     * allocate: each one after the first replaces the one waiting and counts a drop, and the
     * collector sees one request at a time. Once it answers, the newest snapshot is pushed.
     */
    @Test
    void theHandOffNeitherBlocksNorAllocatesAndASlowCollectorCostsDrops() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger requests = new AtomicInteger();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", x -> {
            try (x; InputStream in = x.getRequestBody()) {
                in.readAllBytes();
                mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                requests.incrementAndGet();
                release.await(30, TimeUnit.SECONDS);
                inFlight.decrementAndGet();
                x.sendResponseHeaders(200, -1);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        });
        server.start();
        try {
            Metrics metrics = new Metrics(8);
            OtlpExporter exporter = OtlpExporter.start(metrics,
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/metrics"), "test", 1);
            metrics.afterPoll(new PollStats(), 1, 0, 0); // the first push: held by the server
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (requests.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, requests.get(), "the first push reached the collector");

            MetricsSnapshot s = metrics.latest();
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long bytes = Long.MAX_VALUE;
            long slowest = 0;
            for (int round = 0; round < 5; round++) {
                long before = mx.getCurrentThreadAllocatedBytes();
                for (int n = 0; n < 100_000; n++) {
                    long t0 = System.nanoTime();
                    exporter.published(s);
                    slowest = Math.max(slowest, System.nanoTime() - t0);
                }
                bytes = Math.min(bytes, mx.getCurrentThreadAllocatedBytes() - before);
            }
            assertEquals(0, bytes, "bytes allocated by 100,000 hand-offs");
            System.out.println("slowest hand-off: " + slowest + " ns");
            assertTrue(slowest < TimeUnit.SECONDS.toNanos(1), "a hand-off waited: " + slowest + " ns");
            exporter.beforePublish();
            metrics.afterPoll(new PollStats(), 1, 0, 0);
            long dropped = metrics.latest().tables().stream().filter(t -> t.table() == OtlpFigures.OTLP)
                    .mapToLong(t -> t.value(0, OtlpFigures.DROPPED)).sum();
            assertTrue(dropped >= 499_999, "hand-offs that replaced one waiting, counted: " + dropped);
            assertEquals(1, requests.get(), "one request at a time");

            release.countDown();
            while (requests.get() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(2, requests.get(), "the newest snapshot pushed once the collector answered");
            assertEquals(1, mostInFlight.get());
            exporter.stop();
        } finally {
            server.stop(0);
        }
    }
}

package org.ebpfagent.agent.prometheus;

import java.io.IOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.ebpfagent.agent.metrics.Metrics;

/**
 * The HTTP endpoint Prometheus scrapes ({@code /metrics}), on the address the {@code metrics}
 * option names (the loopback address unless a host is given).
 *
 * <p>Its threads are daemons: the JDK server's dispatcher (created by the thread that starts the
 * endpoint, a daemon, whose status it inherits) and at most {@value #THREADS} scrape threads. A
 * scrape that finds both busy (clients that send half a request, or never read the answer) is
 * refused, its connection closed, and counted ({@code ebpf_prometheus_scrapes_refused_total}): a
 * stuck client holds at most a thread and one answer, never the poller, whose snapshot a scrape
 * only reads. (The JDK server's request and response timeouts are JVM-wide system properties,
 * the application's to set, so the endpoint sets none.) The client's settings are its defaults, never read
 * from the application's system properties or files.
 */
public final class PrometheusEndpoint implements AutoCloseable {
    /** Scrapes served at once: Prometheus scrapes one at a time, a second one leaves room for a person with curl. */
    static final int THREADS = 2;

    private final HTTPServer server;
    private final String url;
    private final String scope;

    /** A start that failed: the message says why and what to do. */
    public static final class StartFailed extends Exception {
        StartFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private PrometheusEndpoint(HTTPServer server, String url, String scope) {
        this.server = server;
        this.url = url;
        this.scope = scope;
    }

    /**
     * Starts serving {@code metrics} on {@code host} (null: the loopback address) and {@code port}
     * (0: a free one). Call from a daemon thread.
     */
    public static PrometheusEndpoint start(Metrics metrics, String host, int port) throws StartFailed {
        InetAddress address;
        try {
            address = host == null ? InetAddress.getLoopbackAddress() : InetAddress.getByName(host);
        } catch (UnknownHostException | SecurityException e) {
            throw new StartFailed("unknown host '" + host + "' (metrics=HOST:PORT takes a local address or a name "
                    + "that resolves to one, or metrics=PORT for the loopback address)", e);
        }
        AtomicLong refused = new AtomicLong();
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new SnapshotCollector(metrics, refused));
        // Refused: the JDK server then closes the connection.
        RejectedExecutionHandler refuse = (task, pool) -> {
            refused.incrementAndGet();
            throw new RejectedExecutionException("both scrape threads are busy");
        };
        ThreadPoolExecutor scrapes = new ThreadPoolExecutor(0, THREADS, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                daemons(), refuse);
        String where = literal(address) + ":" + port;
        try {
            HTTPServer server = HTTPServer.builder(PrometheusProperties.builder().build())
                    .inetAddress(address).port(port).registry(registry).executorService(scrapes).buildAndStart();
            String url = "http://" + literal(address) + ":" + server.getPort() + "/metrics";
            String scope = address.isLoopbackAddress() ? "loopback only; metrics=HOST:PORT serves another address"
                    : address.isAnyLocalAddress() ? "all interfaces: any host that reaches this one can read it"
                    : "reachable from other hosts";
            return new PrometheusEndpoint(server, url, scope);
        } catch (BindException e) {
            scrapes.shutdownNow();
            throw new StartFailed("cannot listen on " + where + ": " + e.getMessage()
                    + " (another process may use the port, or the address is not this host's: choose another with "
                    + "metrics=PORT or metrics=HOST:PORT)", e);
        } catch (IOException | RuntimeException e) {
            scrapes.shutdownNow();
            throw new StartFailed("cannot listen on " + where + ": " + e, e);
        }
    }

    /** {@code http://127.0.0.1:9404/metrics}: the address and port it listens on. */
    public String url() {
        return url;
    }

    /** Who can reach it, in words. */
    public String scope() {
        return scope;
    }

    private static String literal(InetAddress a) {
        return a instanceof Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
    }

    private static java.util.concurrent.ThreadFactory daemons() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "ebpf-agent-metrics-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Stops listening; scrapes in progress are abandoned. */
    @Override
    public void close() {
        server.close();
    }
}

package org.ebpfagent.agent.otlp;

import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.common.export.HttpResponse;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import org.ebpfagent.agent.metrics.MetricsSnapshot;

/**
 * The SDK's side of the exporter: its OTLP/HTTP metric exporter over the JDK's HTTP client,
 * and the conversion of each snapshot. Made on the push thread at the first push, so that
 * nothing of the SDK is loaded (nor {@code java.util.logging} set up, which the SDK's classes do)
 * before then. Not thread-safe: the push thread's.
 *
 * <p>Settings are the agent's alone: cumulative temporality, no retries (the next push carries
 * everything a failed one had), a request and a connect timeout, no internal telemetry, one
 * request in flight at a time on one sender thread. The SDK's own failure logging is silenced:
 * the exporter says it once, in its own words ({@link #describe}).
 */
final class OtlpSender {
    /** Longest a push may wait for the collector's answer. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * The SDK's loggers (relocated with it, so this is the agent's copy's): off. Held here, as
     * java.util.logging keeps loggers only weakly and would forget the level.
     */
    private static final Logger SDK_LOG = Logger.getLogger(OtlpHttpMetricExporter.class.getName()
            .substring(0, OtlpHttpMetricExporter.class.getName().indexOf(".exporter.")));

    private final URI url;
    private final OtlpHttpMetricExporter exporter;
    private final SnapshotData data;
    /** The last export, if the wait for it ended before it did. */
    private CompletableResultCode stillInFlight;

    /** The outcome of one push: null failure for success. */
    record Outcome(int points, String failure, boolean timedOut) {}

    /** @param serviceName the pushes' service.name */
    OtlpSender(URI url, String serviceName) {
        SDK_LOG.setLevel(Level.OFF);
        this.url = url;
        ThreadPoolExecutor sending = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
                r -> {
                    Thread t = new Thread(r, "ebpf-agent-otlp-http");
                    t.setDaemon(true);
                    return t;
                });
        sending.allowCoreThreadTimeOut(true);
        this.exporter = OtlpHttpMetricExporter.builder()
                .setEndpoint(url.toString())
                .setTimeout(TIMEOUT)
                .setConnectTimeout(CONNECT_TIMEOUT)
                .setRetryPolicy(null)
                .setAggregationTemporalitySelector(AggregationTemporalitySelector.alwaysCumulative())
                .setMeterProvider(MeterProvider::noop)
                .setExecutorService(sending)
                .build();
        String version = OtlpSender.class.getPackage().getImplementationVersion();
        this.data = new SnapshotData(ServiceResource.of(serviceName),
                InstrumentationScopeInfo.builder("ebpf-agent").setVersion(version == null ? "dev" : version).build());
    }

    /** True while the last export is still held by the sender (it outlived the wait): send nothing more. */
    boolean busy() {
        if (stillInFlight != null && stillInFlight.isDone()) {
            stillInFlight = null;
        }
        return stillInFlight != null;
    }

    /** Converts and sends {@code snapshot}, and waits for the answer (a bounded wait). */
    Outcome push(MetricsSnapshot snapshot) {
        List<MetricData> metrics = data.of(snapshot);
        int points = data.points();
        CompletableResultCode result = exporter.export(metrics);
        // The sender's own timeouts end the request first; this bound holds even if they did not.
        result.join(TIMEOUT.plus(CONNECT_TIMEOUT).plusSeconds(1).toMillis(), TimeUnit.MILLISECONDS);
        if (!result.isDone()) {
            stillInFlight = result;
            return new Outcome(points, "no answer within " + TIMEOUT.plus(CONNECT_TIMEOUT).toSeconds() + " s", true);
        }
        if (result.isSuccess()) {
            return new Outcome(points, null, false);
        }
        return new Outcome(points, describe(result.getFailureThrowable()), false);
    }

    /** What went wrong, in a few words, with what to check. */
    private String describe(Throwable failure) {
        if (failure instanceof FailedExportException.HttpExportException http && http.getResponse() != null) {
            HttpResponse r = http.getResponse();
            String hint = r.getStatusCode() == 404 ? " (is " + url.getRawPath() + " the receiver's metrics path? "
                    + "OTLP/HTTP's is /v1/metrics)" : "";
            return "the collector answered HTTP " + r.getStatusCode() + hint;
        }
        Throwable cause = failure != null && failure.getCause() != null ? failure.getCause() : failure;
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
                return "unknown host '" + url.getHost() + "'";
            }
        }
        if (cause instanceof HttpConnectTimeoutException) {
            return "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s";
        }
        if (cause instanceof HttpTimeoutException) {
            return "no answer within " + TIMEOUT.toSeconds() + " s";
        }
        if (cause instanceof java.net.ConnectException) {
            return "connection refused (is an OTLP/HTTP receiver listening on " + url.getHost() + ":"
                    + (url.getPort() > 0 ? url.getPort() : url.getScheme().equals("https") ? 443 : 80) + "?)";
        }
        return cause == null ? "failed" : cause.toString();
    }
}

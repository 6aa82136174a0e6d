package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;

/**
 * An application with an OpenTelemetry SDK of its own (the real one, not relocated), exporting
 * its own counter to the OTLP URL given as its argument and registered as the global
 * OpenTelemetry; and threads with six distinct names, more groups than a small cap. Counts
 * {@value #REQUESTS} requests, then waits for "stop" on stdin; then shuts its SDK down (a last
 * export) and returns from main.
 */
public final class OwnOtelWorkload {
    public static final int REQUESTS = 1000;
    static volatile boolean running = true;

    public static void main(String[] args) throws Exception {
        Resource resource = Resource.getDefault().merge(Resource.create(
                Attributes.of(AttributeKey.stringKey("service.name"), "own-otel-app")));
        SdkMeterProvider meters = SdkMeterProvider.builder().setResource(resource)
                .registerMetricReader(PeriodicMetricReader.builder(OtlpHttpMetricExporter.builder()
                        .setEndpoint(args[0]).build()).setInterval(Duration.ofMillis(500))
                        // not the interval, the default: a first export on a busy machine loads many classes
                        .setExporterTimeout(10, java.util.concurrent.TimeUnit.SECONDS).build())
                .build();
        GlobalOpenTelemetry.set(new OpenTelemetry() {
            @Override
            public TracerProvider getTracerProvider() {
                return TracerProvider.noop();
            }

            @Override
            public MeterProvider getMeterProvider() {
                return meters;
            }

            @Override
            public ContextPropagators getPropagators() {
                return ContextPropagators.noop();
            }
        });
        LongCounter requests = GlobalOpenTelemetry.getMeter("own-app").counterBuilder("app.requests").build();
        List<Thread> threads = new ArrayList<>();
        for (String name : List.of("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")) {
            Thread t = new Thread(() -> {
                while (running) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, name);
            t.start();
            threads.add(t);
        }
        for (int i = 0; i < REQUESTS; i++) {
            requests.add(1);
        }
        System.out.println("workload ran");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null && !line.equals("stop")) {
            // wait for the test
        }
        running = false;
        for (Thread t : threads) {
            t.join();
        }
        meters.shutdown().join(10, java.util.concurrent.TimeUnit.SECONDS);
        System.out.println("workload done");
    }
}

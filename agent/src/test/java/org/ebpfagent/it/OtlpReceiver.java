package org.ebpfagent.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;

/**
 * An OTLP/HTTP metrics receiver inside the test, as a collector's {@code otlp} receiver answers:
 * POST {@code /v1/metrics} with a protobuf {@code ExportMetricsServiceRequest} (gzip'd or not),
 * decoded with OpenTelemetry's own protobuf classes, kept with the time it arrived, answered
 * {@code 200} with an empty {@code ExportMetricsServiceResponse}. Anything else is a 404.
 */
final class OtlpReceiver implements AutoCloseable {
    static final String PATH = "/v1/metrics";

    /** One request as it arrived. */
    record Received(long atNanos, ExportMetricsServiceRequest request, int bytes) {}

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    static OtlpReceiver start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        OtlpReceiver r = new OtlpReceiver(server);
        server.createContext("/", r::handle);
        server.setExecutor(Executors.newSingleThreadExecutor(t -> {
            Thread th = new Thread(t, "otlp-receiver");
            th.setDaemon(true);
            return th;
        }));
        server.start();
        return r;
    }

    /** {@code http://127.0.0.1:PORT/v1/metrics}. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** Requests answered 400 or 404 (method, path and why). */
    List<String> refused() {
        return List.copyOf(refused);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            byte[] body;
            try (InputStream in = x.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (!x.getRequestMethod().equals("POST") || !x.getRequestURI().getPath().equals(PATH)) {
                refused.add(x.getRequestMethod() + " " + x.getRequestURI());
                answer(x, 404, new byte[0], "text/plain");
                return;
            }
            ExportMetricsServiceRequest request;
            try {
                byte[] raw = "gzip".equalsIgnoreCase(x.getRequestHeaders().getFirst("Content-Encoding"))
                        ? new GZIPInputStream(new java.io.ByteArrayInputStream(body)).readAllBytes() : body;
                request = ExportMetricsServiceRequest.parseFrom(raw);
            } catch (IOException e) {
                refused.add("undecodable: " + e);
                answer(x, 400, new byte[0], "text/plain");
                return;
            }
            received.add(new Received(System.currentTimeMillis() * 1_000_000L, request, body.length));
            answer(x, 200, ExportMetricsServiceResponse.getDefaultInstance().toByteArray(), "application/x-protobuf");
        }
    }

    private static void answer(HttpExchange x, int status, byte[] body, String type) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

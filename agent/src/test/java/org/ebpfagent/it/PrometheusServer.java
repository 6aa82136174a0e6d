package org.ebpfagent.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real Prometheus server (Debian's {@code prometheus}, installed by scripts/install-deps.sh) of
 * the test's own: its configuration and data in a temporary folder, its web port a free loopback
 * port, scraping one target every {@code scrapeSeconds}. Never the package's service: that one, if
 * it runs, keeps its own port and data. Closing it stops the process and deletes the folder.
 */
final class PrometheusServer implements AutoCloseable {
    static final String BINARY = "prometheus";

    private final Process process;
    private final Path dir;
    private final String base;
    private final List<String> log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusServer(Process process, Path dir, String base, List<String> log) {
        this.process = process;
        this.dir = dir;
        this.base = base;
        this.log = log;
    }

    /** Starts a server scraping {@code target} (host:port) and waits until it is ready. */
    static PrometheusServer start(String target, int scrapeSeconds) throws Exception {
        Path dir = Files.createTempDirectory("ebpf-agent-prometheus");
        Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: %ds
                  scrape_timeout: %ds
                scrape_configs:
                  - job_name: ebpf-agent
                    static_configs:
                      - targets: ['%s']
                """.formatted(scrapeSeconds, scrapeSeconds, target));
        AssertionError last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // the free port may be taken between our check and its bind
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
            Process p;
            try {
                p = new ProcessBuilder(BINARY, "--config.file=" + dir.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                        "--log.level=warn").redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new AssertionError("cannot run '" + BINARY + "' (Debian package prometheus: bash scripts/install-deps.sh): "
                        + e.getMessage(), e);
            }
            Thread.ofPlatform().daemon().start(() -> {
                try (var lines = p.inputReader()) {
                    lines.lines().forEach(log::add);
                } catch (IOException | java.io.UncheckedIOException e) {
                    // the process is gone
                }
            });
            PrometheusServer server = new PrometheusServer(p, dir, "http://127.0.0.1:" + port, log);
            try {
                server.awaitReady(Duration.ofSeconds(60));
                return server;
            } catch (AssertionError e) {
                last = e;
                server.stopProcess();
            }
        }
        deleteTree(dir);
        throw last;
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/-/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("prometheus not ready within " + timeout + " (alive: " + process.isAlive() + "): " + log);
    }

    /** Runs an instant query ({@code /api/v1/query}) and returns its {@code data.result}. */
    JsonNode query(String promql) throws IOException, InterruptedException {
        String url = base + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode json = new ObjectMapper().readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(json.path("status").asText())) {
            throw new AssertionError("query " + promql + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return json.path("data").path("result");
    }

    /** Waits until the target has been scraped at least {@code n} times since this server started. */
    void awaitScrapes(int n, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode r = query("count_over_time(up[1h])");
            if (r.size() > 0 && r.get(0).path("value").get(1).asDouble() >= n) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("fewer than " + n + " scrapes within " + timeout + ": " + log);
    }

    List<String> log() {
        return List.copyOf(log);
    }

    private void stopProcess() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public void close() throws Exception {
        stopProcess();
        deleteTree(dir);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in OTLP/HTTP collector for scripts/bench-metrics.sh: takes every POST on loopback,
 * answers 200 with an empty ExportMetricsServiceResponse (an empty protobuf message), and appends
 * "epochMillis bytes" per request to LOG. Writes its port to PORTFILE; runs until killed.
 * Run: {@code java scripts/OtlpSink.java PORTFILE LOG}.
 */
public class OtlpSink {
    public static void main(String[] args) throws IOException {
        Path portFile = Path.of(args[0]);
        Path log = Path.of(args[1]);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", x -> {
            try (x; InputStream in = x.getRequestBody()) {
                long bytes = in.transferTo(java.io.OutputStream.nullOutputStream());
                Files.writeString(log, System.currentTimeMillis() + " " + bytes + "\n", StandardCharsets.US_ASCII,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                x.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                x.sendResponseHeaders(200, -1);
            }
        });
        server.start();
        Files.writeString(portFile, Integer.toString(server.getAddress().getPort()));
    }
}

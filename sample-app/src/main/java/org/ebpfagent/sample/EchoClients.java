package org.ebpfagent.sample;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * TCP over loopback, a connection per request: threads {@code echo-client-N} connect to the app's
 * own echo server (one thread, {@code echo-server}, serving each connection in turn), send 1 KiB,
 * read it back and close, every 20 ms. Each request is one connect, one connection, 1 KiB each way.
 */
final class EchoClients extends Workload {
    static final int REQUEST_BYTES = 1024;
    private static final long PAUSE_MILLIS = 20;

    private final ServerSocket server;

    EchoClients(int threads) {
        super("echo-client", threads, "requests");
        try {
            server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("echo server: " + e.getMessage(), e);
        }
        if (threads > 0) {
            Thread.ofPlatform().name("echo-server").daemon(true).start(this::serve);
        }
    }

    @Override
    protected long work() throws InterruptedException {
        byte[] request = new byte[REQUEST_BYTES];
        long requests = 0;
        while (running()) {
            try (Socket s = new Socket(server.getInetAddress(), server.getLocalPort())) {
                s.getOutputStream().write(request);
                readFully(s.getInputStream(), REQUEST_BYTES);
                requests++;
            } catch (IOException e) {
                // counted as not done; the next request tries again
            }
            Thread.sleep(PAUSE_MILLIS);
        }
        return requests;
    }

    private void serve() {
        byte[] buf = new byte[REQUEST_BYTES];
        while (true) {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                readFully(in, buf.length, buf);
                out.write(buf);
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private static void readFully(InputStream in, int n) throws IOException {
        readFully(in, n, new byte[n]);
    }

    private static void readFully(InputStream in, int n, byte[] into) throws IOException {
        int read = 0;
        while (read < n) {
            int r = in.read(into, read, n - read);
            if (r < 0) {
                throw new IOException("end of stream after " + read + " of " + n + " bytes");
            }
            read += r;
        }
    }
}

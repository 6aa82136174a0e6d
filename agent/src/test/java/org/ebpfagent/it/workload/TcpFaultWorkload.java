package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * TCP under faults the test injects with nftables, step by step on the test's word (stdin):
 * <ul>
 * <li>{@code syn}: thread {@code tcp-syn} connects to this JVM's server while the test drops SYNs,
 *     then prints how long the connect took;
 * <li>{@code open}: thread {@code tcp-lossy} connects and prints "OPEN localPort=...";
 * <li>{@code send}: it sends 4 MiB while the test drops data segments, waits for the server's one
 *     byte answer (all data received), prints `ss -tin` of its socket;
 * <li>{@code close}: it closes and prints "CLOSED".
 * </ul>
 * The server reads each connection to its end, answering one byte per 4 MiB.
 */
public final class TcpFaultWorkload {
    public static final int BULK = 4 << 20;

    public static void main(String[] args) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        ServerSocket server = new ServerSocket(0, 16, loopback);
        Thread.ofPlatform().daemon().name("tcp-fault-server").start(() -> serve(server));
        System.out.println("SERVER port=" + server.getLocalPort());
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        // One thread owns the lossy connection from its connect to its close.
        BlockingQueue<String> lossy = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name("tcp-lossy").start(() -> lossyConnection(loopback, server.getLocalPort(), lossy));
        for (String line; (line = stdin.readLine()) != null && !line.equals("exit"); ) {
            switch (line) {
                case "syn" -> TcpWorkload.run("tcp-syn", () -> {
                    long start = System.nanoTime();
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(loopback, server.getLocalPort()), 10_000);
                        return "localPort=" + s.getLocalPort() + " millis=" + (System.nanoTime() - start) / 1_000_000;
                    }
                });
                case "open", "send", "close" -> lossy.put(line);
                default -> System.out.println("unknown command " + line);
            }
            System.out.flush();
        }
    }

    private static void lossyConnection(InetAddress loopback, int port, BlockingQueue<String> commands) {
        Socket s = null;
        try {
            while (true) {
                switch (commands.take()) {
                    case "open" -> {
                        s = new Socket(loopback, port);
                        System.out.println("tcp-lossy tid=" + Truth.currentTid() + " localPort=" + s.getLocalPort());
                    }
                    case "send" -> {
                        OutputStream out = s.getOutputStream();
                        out.write(new byte[BULK]);
                        out.flush();
                        if (s.getInputStream().read() < 0) {
                            throw new IOException("no answer");
                        }
                        System.out.println("tcp-lossy " + TcpWorkload.ss(s.getLocalPort()));
                    }
                    default -> {
                        s.close();
                        System.out.println("CLOSED");
                    }
                }
                System.out.flush();
            }
        } catch (IOException | InterruptedException e) {
            System.out.println("tcp-lossy FAILED " + e);
        }
    }

    private static void serve(ServerSocket server) {
        while (true) {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[64 << 10];
                long total = 0;
                for (int r; (r = in.read(buf)) >= 0; ) {
                    long before = total / BULK;
                    total += r;
                    if (total / BULK > before) {
                        s.getOutputStream().write(1);
                    }
                }
            } catch (IOException e) {
                // next
            }
        }
    }

}

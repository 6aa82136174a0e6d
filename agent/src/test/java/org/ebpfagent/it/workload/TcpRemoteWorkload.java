package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Connections to a peer outside this JVM (the test's server in another network namespace, over a
 * veth pair): after "go" on stdin, thread {@code tcp-remote} makes {@code count} connections to
 * HOST:PORT, each sending exactly 5,000 bytes, reading the server's 1,000-byte answer, closing.
 * Prints "tcp-remote tid=... javaId=... count=...". Arguments: host port count
 */
public final class TcpRemoteWorkload {
    public static final int SENT = 5000;
    public static final int ANSWER = 1000;

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        new BufferedReader(new InputStreamReader(System.in)).readLine(); // "go"
        TcpWorkload.run("tcp-remote", () -> {
            for (int i = 0; i < count; i++) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(host, port), 5000);
                    s.getOutputStream().write(new byte[SENT]);
                    s.shutdownOutput(); // the server reads to the end, then answers
                    if (s.getInputStream().readNBytes(ANSWER).length != ANSWER) {
                        throw new java.io.IOException("short answer");
                    }
                }
            }
            return "count=" + count;
        });
        System.out.println("DONE");
    }
}

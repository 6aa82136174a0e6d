package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * TCP traffic whose every figure the test knows, over loopback, through Java's own sockets
 * (dual-stack IPv6 sockets carrying IPv4-mapped addresses). After "go" on stdin, one after
 * another, each on a thread of its own that prints what it did:
 * <ul>
 * <li>{@code tcp-connector}: {@code connects} connects to a server of this JVM, each closed at once;
 * <li>{@code tcp-refused}: {@code refused} connects to a port nothing listens on;
 * <li>{@code tcp-bulk}: one connection that sends exactly 10 MiB and receives exactly 1 MiB, reads
 *     {@code ss -tin} for both of its ends while it is open, and closes 2 s after its connect;
 * <li>{@code tcp-v6}: 10 connects over IPv6 loopback ({@code ::1});
 * <li>{@code tcp-churn}: {@code churn} more connects closed at once, in bursts of 1,000.
 * </ul>
 * Lines: "NAME tid=... javaId=... key=value ...", then "DONE"; it exits at the next line on stdin.
 * Arguments: connects refused churn
 */
public final class TcpWorkload {
    public static final int SENT_BYTES = 10 << 20;
    public static final int RECEIVED_BYTES = 1 << 20;
    static final long HOLD_MILLIS = 2000;

    public static void main(String[] args) throws Exception {
        int connects = Integer.parseInt(args[0]);
        int refused = Integer.parseInt(args[1]);
        int churn = Integer.parseInt(args[2]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        ServerSocket quick = new ServerSocket(0, 4096, loopback);
        ServerSocket bulk = new ServerSocket(0, 16, loopback);
        daemon("tcp-quick-server", () -> serveQuick(quick));
        daemon("tcp-bulk-server", () -> serveBulk(bulk));
        System.out.println("SERVERS quick=" + quick.getLocalPort() + " bulk=" + bulk.getLocalPort());
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        stdin.readLine(); // "go"

        run("tcp-connector", () -> {
            for (int i = 0; i < connects; i++) {
                new Socket(loopback, quick.getLocalPort()).close();
            }
            return "count=" + connects + " port=" + quick.getLocalPort();
        });
        run("tcp-refused", () -> {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, loopback)) {
                port = s.getLocalPort(); // free now, and nothing listens on it once closed
            }
            int failures = 0;
            for (int i = 0; i < refused; i++) {
                try {
                    new Socket(loopback, port).close();
                } catch (ConnectException e) {
                    failures++;
                }
            }
            return "count=" + failures + " port=" + port;
        });
        run("tcp-bulk", () -> {
            long opened = System.nanoTime();
            try (Socket s = new Socket(loopback, bulk.getLocalPort())) {
                OutputStream out = s.getOutputStream();
                byte[] chunk = new byte[64 << 10];
                for (int sent = 0; sent < SENT_BYTES; sent += chunk.length) {
                    out.write(chunk);
                }
                out.flush();
                readExactly(s.getInputStream(), RECEIVED_BYTES);
                // Everything sent is read by the server (it answered after reading it all), so acked.
                String ss = ss(s.getLocalPort());
                long left = HOLD_MILLIS - (System.nanoTime() - opened) / 1_000_000;
                if (left > 0) {
                    Thread.sleep(left);
                }
                long closed = System.nanoTime();
                s.close();
                return "localPort=" + s.getLocalPort() + " port=" + bulk.getLocalPort() + " openMillis="
                        + (closed - opened) / 1_000_000 + " " + ss;
            }
        });
        int[] v6Port = new int[1];
        run("tcp-v6", () -> { // plain IPv6: ::1, not an IPv4-mapped address
            try (ServerSocket v6 = new ServerSocket(0, 16, InetAddress.getByName("::1"))) {
                v6Port[0] = v6.getLocalPort();
                Thread.ofPlatform().daemon().name("tcp-v6-server").start(() -> serveQuick(v6));
                for (int i = 0; i < 10; i++) {
                    new Socket(v6.getInetAddress(), v6.getLocalPort()).close();
                }
                Thread.sleep(100); // the server's closes, before its socket goes
                return "count=10 port=" + v6.getLocalPort();
            }
        });
        run("tcp-churn", () -> {
            for (int i = 0; i < churn; i++) {
                new Socket(loopback, quick.getLocalPort()).close();
                if (i % 1000 == 999) {
                    Thread.sleep(300); // bursts of 1,000: what a 200 ms poll drains without loss
                }
            }
            return "count=" + churn;
        });
        // The servers close their ends as they get to them (a loaded machine can leave them seconds
        // behind), and each close frees the client's end in turn: the test looks at the probe's
        // maps only once the kernel has no connection of these ports open (TIME_WAIT holds no socket).
        System.out.println("OPEN " + awaitClosed(60_000, quick.getLocalPort(), bulk.getLocalPort(), v6Port[0]));
        System.out.println("DONE");
        System.out.flush();
        stdin.readLine(); // the test looks at the agent's maps from outside first
    }

    interface Job {
        String run() throws Exception;
    }

    static void run(String name, Job job) throws InterruptedException {
        Thread t = Thread.ofPlatform().name(name).start(() -> {
            try {
                String result = job.run();
                Thread me = Thread.currentThread();
                System.out.println(name + " tid=" + Truth.currentTid() + " javaId=" + me.threadId() + " " + result);
            } catch (Exception e) {
                System.out.println(name + " FAILED " + e);
            }
        });
        t.join();
    }

    private static void daemon(String name, Runnable r) {
        Thread.ofPlatform().daemon().name(name).start(r);
    }

    /** Accepts connections and reads each to its end, then closes it; until the server socket closes. */
    private static void serveQuick(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.getInputStream().read();
            } catch (IOException e) {
                // the client went away first (or the server closed): next
            }
        }
    }

    /** Reads exactly 10 MiB, answers exactly 1 MiB, waits for the client's close. */
    private static void serveBulk(ServerSocket server) {
        while (true) {
            try (Socket s = server.accept()) {
                readExactly(s.getInputStream(), SENT_BYTES);
                OutputStream out = s.getOutputStream();
                out.write(new byte[RECEIVED_BYTES]);
                out.flush();
                s.getInputStream().read();
            } catch (IOException e) {
                // next
            }
        }
    }

    private static void readExactly(InputStream in, int n) throws IOException {
        byte[] buf = new byte[64 << 10];
        int read = 0;
        while (read < n) {
            int r = in.read(buf, 0, Math.min(buf.length, n - read));
            if (r < 0) {
                throw new IOException("end of stream after " + read + " of " + n + " bytes");
            }
            read += r;
        }
    }

    /**
     * Waits until the kernel holds no TCP socket of these ports but listening ones, as `ss` sees
     * them, or the timeout passes; returns the sockets still open. TIME_WAIT entries are not
     * sockets: the kernel frees a connection's socket as it enters TIME_WAIT, and as it enters an
     * orphaned FIN_WAIT2 (its application closed it, the peer has not yet): `ss` shows that
     * one as FIN-WAIT-2 with a timewait timer, for up to tcp_fin_timeout (60 s).
     */
    static List<String> awaitClosed(long timeoutMillis, int... ports) throws IOException, InterruptedException {
        return await(timeoutMillis, List::isEmpty, List.of("connected", "exclude", "time-wait"), ports);
    }

    /**
     * Waits until the TCP sockets of these ports in the `ss` state filter {@code states} (e.g.
     * "close-wait") satisfy {@code done}, or the timeout passes; returns them, a line each.
     * Timewait entries (a timewait timer) are left out whatever state they show.
     */
    static List<String> await(long timeoutMillis, Predicate<List<String>> done, List<String> states, int... ports)
            throws IOException, InterruptedException {
        StringBuilder filter = new StringBuilder("(");
        for (int port : ports) {
            filter.append(filter.length() > 1 ? " or " : " ").append("sport = :").append(port).append(" or dport = :").append(port);
        }
        filter.append(" )");
        List<String> cmd = new ArrayList<>(List.of("ss", "-tanoH", "state"));
        cmd.addAll(states);
        cmd.add(filter.toString());
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            List<String> sockets = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.contains("timer:(timewait")).map(l -> l.trim().replaceAll("\\s+", " "))
                    .toList();
            p.waitFor();
            if (done.test(sockets) || System.nanoTime() > deadline) {
                return sockets;
            }
            Thread.sleep(20);
        }
    }

    /** `ss -tin` of both ends of the connection whose client port is {@code port}, as "ss=..." text. */
    static String ss(int port) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ss", "-tinH", "( sport = :" + port + " or dport = :" + port + " )")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        List<String> ends = new ArrayList<>();
        // Each socket: a line with its addresses, then (joined here) a line of its TCP info.
        String joined = out.replace("\n\t", " ").replace("\n ", " ");
        for (String line : joined.split("\n")) {
            if (!line.isBlank()) {
                ends.add(line.trim().replaceAll("\\s+", " "));
            }
        }
        return "ss=[" + String.join(" | ", ends) + "]";
    }
}

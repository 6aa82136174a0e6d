import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The TCP probe's benchmark workload (scripts/bench-tcp.sh), over loopback, for SECONDS after a
 * one-second warm-up:
 *   connect  two client threads, a connection per request: connect, 1 byte, 1 byte back, close;
 *            prints requests per second;
 *   bulk     one connection, the client writes 64 KiB buffers as fast as the server reads them;
 *            prints MiB per second.
 * Usage: java scripts/TcpBench.java connect|bulk SECONDS
 */
public class TcpBench {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        long seconds = Long.parseLong(args[1]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        ServerSocket server = new ServerSocket(0, 128, loopback);
        AtomicLong done = new AtomicLong();
        Thread.ofPlatform().daemon().name("bench-server").start(() -> {
            while (true) {
                try {
                    Socket s = server.accept();
                    Thread.ofPlatform().daemon().start(() -> serve(s, mode));
                } catch (Exception e) {
                    return;
                }
            }
        });
        int clients = mode.equals("connect") ? 2 : 1;
        for (int i = 0; i < clients; i++) {
            Thread.ofPlatform().daemon().name("bench-client-" + i).start(() -> {
                try {
                    if (mode.equals("connect")) {
                        while (true) {
                            try (Socket s = new Socket(loopback, server.getLocalPort())) {
                                s.getOutputStream().write(1);
                                s.getInputStream().read();
                            }
                            done.incrementAndGet();
                        }
                    } else {
                        try (Socket s = new Socket(loopback, server.getLocalPort())) {
                            OutputStream out = s.getOutputStream();
                            byte[] buf = new byte[64 << 10];
                            while (true) {
                                out.write(buf);
                                done.addAndGet(buf.length);
                            }
                        }
                    }
                } catch (Exception e) {
                    System.err.println("client: " + e);
                }
            });
        }
        Thread.sleep(1000);
        long before = done.get();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000);
        long amount = done.get() - before;
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double rate = mode.equals("connect") ? amount / elapsed : amount / elapsed / (1 << 20);
        System.out.printf("RESULT %s %.1f%n", mode, rate);
        System.exit(0);
    }

    private static void serve(Socket s, String mode) {
        try (s) {
            InputStream in = s.getInputStream();
            if (mode.equals("connect")) {
                if (in.read() >= 0) {
                    s.getOutputStream().write(1);
                }
                in.read(); // the client's close
            } else {
                byte[] buf = new byte[64 << 10];
                while (in.read(buf) >= 0) {
                    // drain
                }
            }
        } catch (Exception e) {
            // the client went away
        }
    }
}

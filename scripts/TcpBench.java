import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The TCP probe's benchmark workload (scripts/bench-tcp.sh), over loopback, for SECONDS after a
 * warm-up of WARMUP seconds (default 5) that starts once the agent's poller runs (when the JVM
 * has an agent: its set-up and first polls stay out of the measurement, and the JIT compilers have
 * done most of their work on the workload):
 *   connect  two client threads, a connection per request: connect, 1 byte, 1 byte back, close;
 *            prints requests per second;
 *   bulk     one connection, the client writes 64 KiB buffers as fast as the server reads them;
 *            prints MiB per second.
 * Then, for the measured seconds only, what the process spent (stdout, one line each):
 *   WINDOW   units done (requests, or bytes) and seconds;
 *   CPU      on-CPU ns of the whole process (and of it in the kernel: process_sys), of the
 *            agent's poller thread, of JFR's threads, of the JIT compilers and of the GC threads
 *            (the kernel's account: /proc/self/stat, /proc/self/task/TID/schedstat);
 *   ALLOC    bytes allocated on the Java heap by the whole process and by the agent's poller;
 *   PROG     per BPF program this process holds: id, runs and ns in the kernel (its own fds'
 *            fdinfo, so programs of other processes never mix in; counted only while
 *            kernel.bpf_stats_enabled is 1). With -Dbench.progs=FILE, bpftool's JSON lists of
 *            programs and of maps go to FILE and FILE.maps, to name them and tell the probes'
 *            apart.
 * Usage: java scripts/TcpBench.java connect|bulk SECONDS [WARMUP]
 */
public class TcpBench {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        long seconds = Long.parseLong(args[1]);
        double warmup = args.length > 2 ? Double.parseDouble(args[2]) : 5;
        if (ManagementFactory.getRuntimeMXBean().getInputArguments().stream().anyMatch(a -> a.startsWith("-javaagent"))) {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("ebpf-agent-poller"))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the agent's poller did not start within 60 s");
                }
                Thread.sleep(20);
            }
        }
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
        Thread.sleep(Math.round(warmup * 1000));
        long[] alloc0 = allocated();
        Map<String, Long> cpu0 = cpu();
        Map<Integer, long[]> progs0 = programs();
        long before = done.get();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000);
        long amount = done.get() - before;
        double elapsed = (System.nanoTime() - t0) / 1e9;
        Map<Integer, long[]> progs1 = programs();
        Map<String, Long> cpu1 = cpu();
        long[] alloc1 = allocated();
        double rate = mode.equals("connect") ? amount / elapsed : amount / elapsed / (1 << 20);
        System.out.printf("RESULT %s %.1f%n", mode, rate);
        System.out.printf("WINDOW %d %.3f%n", amount, elapsed);
        StringBuilder cpu = new StringBuilder("CPU");
        cpu1.forEach((group, ns) -> cpu.append(' ').append(group).append('=').append(ns - cpu0.get(group)));
        System.out.println(cpu);
        System.out.printf("ALLOC process=%d poller=%d%n", alloc1[0] - alloc0[0], alloc1[1] - alloc0[1]);
        progs1.forEach((id, v) -> {
            long[] w = progs0.getOrDefault(id, new long[2]);
            System.out.printf("PROG %d %d %d%n", id, v[0] - w[0], v[1] - w[1]);
        });
        String names = System.getProperty("bench.progs");
        if (names != null) {
            new ProcessBuilder("bpftool", "-j", "prog", "show").redirectOutput(new java.io.File(names))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            new ProcessBuilder("bpftool", "-j", "map", "show").redirectOutput(new java.io.File(names + ".maps"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
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

    /**
     * On-CPU ns so far: the process (user + system, clock ticks of /proc/self/stat, which keeps
     * the threads that exited), and from schedstat the agent's poller, JFR's threads, the JIT
     * compilers and the garbage collector.
     */
    private static Map<String, Long> cpu() throws IOException {
        Map<String, Long> out = new TreeMap<>(Map.of("poller", 0L, "jfr", 0L, "jit", 0L, "gc", 0L));
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        out.put("process", (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L); // USER_HZ 100
        out.put("process_sys", Long.parseLong(f[12]) * 10_000_000L); // of it in the kernel (the probes' programs too)
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    String comm = Files.readString(task.resolve("comm")).trim();
                    String group = comm.startsWith("ebpf-agent-pol") ? "poller"
                            : comm.startsWith("JFR ") ? "jfr"
                            : comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler") ? "jit"
                            : comm.startsWith("GC ") || comm.startsWith("G1 ") ? "gc" : null;
                    if (group != null) {
                        String schedstat = Files.readString(task.resolve("schedstat"));
                        out.merge(group, Long.parseLong(schedstat.substring(0, schedstat.indexOf(' '))), Long::sum);
                    }
                } catch (IOException e) {
                    // the thread exited while we listed them
                }
            }
        }
        return out;
    }

    /** Bytes allocated so far by all threads (live or not) and by the agent's poller. */
    private static long[] allocated() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long poller = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("ebpf-agent-poller")) {
                poller = threads.getThreadAllocatedBytes(t.threadId());
            }
        }
        return new long[] {threads.getTotalThreadAllocatedBytes(), poller};
    }

    /** Runs and ns of every BPF program this process holds an fd of, by program id. */
    private static Map<Integer, long[]> programs() throws IOException {
        Map<Integer, long[]> out = new TreeMap<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (!Files.readSymbolicLink(fd).toString().equals("anon_inode:bpf-prog")) {
                        continue;
                    }
                    int id = -1;
                    long[] v = new long[2];
                    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString()))) {
                        int colon = line.indexOf(':');
                        String key = colon < 0 ? "" : line.substring(0, colon);
                        String value = line.substring(colon + 1).trim();
                        switch (key) {
                            case "prog_id" -> id = Integer.parseInt(value);
                            case "run_cnt" -> v[0] = Long.parseLong(value);
                            case "run_time_ns" -> v[1] = Long.parseLong(value);
                            default -> { }
                        }
                    }
                    if (id >= 0) {
                        out.put(id, v);
                    }
                } catch (IOException e) {
                    // closed while we listed them
                }
            }
        }
        return out;
    }
}

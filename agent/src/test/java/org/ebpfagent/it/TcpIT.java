package org.ebpfagent.it;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import org.ebpfagent.it.workload.TcpWorkload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TCP probe against what the workload did and what the kernel itself says: exact connect
 * counts on the connecting Java thread, refused connects by errno, exact payload bytes on both
 * ends of a connection and on its threads equal to `ss -tin`'s counters, a lifetime equal to the
 * time the workload held the connection, no connection of another process, and no map entry left
 * behind by thousands of connections (counted with bpftool from outside the JVM).
 */
class TcpIT {
    private static final Pattern SS_END = Pattern.compile(
            "ESTAB \\d+ \\d+ \\S+:(\\d+) \\S+:(\\d+) .*?bytes_acked:(\\d+) bytes_received:(\\d+)");

    @Test
    void everyConnectionOfTheJvmOnItsThreadWithExactFigures() throws Exception {
        AgentRun.Running child = AgentRun.of(TcpWorkload.class).agentOptions("probes=sched+tcp,interval=200ms")
                .args("1000", "100", "10000").start();
        child.awaitStderr("tcp probe attached", Duration.ofSeconds(60));
        // Another process's connections while the probe runs: this test JVM's own, to itself.
        List<Integer> foreignPorts = new ArrayList<>();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket foreign = new ServerSocket(0, 100, loopback)) {
            foreignPorts.add(foreign.getLocalPort());
            child.send("go");
            for (int i = 0; i < 50; i++) {
                try (Socket c = new Socket(loopback, foreign.getLocalPort()); Socket s = foreign.accept()) {
                    c.getOutputStream().write(new byte[1000]);
                    s.getInputStream().readNBytes(1000);
                }
            }
            child.awaitStdout("DONE", Duration.ofSeconds(120));
        }
        // No connection is open any more, by `ss` (the workload waited for the servers' last closes):
        // the probe's per-connection map must be empty, and its per-thread map hold at most the live threads.
        assertEquals("OPEN []", child.awaitStdout("OPEN ", Duration.ofSeconds(1)), "the kernel's open sockets of the workload");
        long pid = child.pid();
        Map<String, Integer> entries = new HashMap<>();
        List<ChildMaps.BpfMapInfo> maps = ChildMaps.of(pid);
        // The kernel memory budget holds for the scheduler and TCP probes together.
        long memlock = ChildMaps.memlock(maps);
        System.out.println("TcpIT: kernel memory of the sched and tcp probes' maps: " + memlock + " bytes" + ChildMaps.table(maps));
        assertTrue(memlock <= KernelMemoryIT.BUDGET, "kernel memory " + memlock + " bytes:" + ChildMaps.table(maps));
        for (ChildMaps.BpfMapInfo m : maps) {
            if (m.name().equals("conns") || m.name().equals("listeners") || m.name().equals("listener_keys")) {
                entries.put(m.name(), ChildMaps.entries(m));
            }
        }
        child.send("exit");
        AgentRun.Result result = child.finish(Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), () -> String.join("\n", result.stderr()));
        assertEquals(0, entries.get("conns"), "connections left in the probe's map: " + entries);
        // (the IPv6 server's listener is closed: only the two long-lived ones remain)
        assertEquals(2, entries.get("listeners"), "the workload's two listening sockets: " + entries);
        assertTrue(entries.get("listener_keys") <= 2, "listening sockets known by address: " + entries);

        Map<String, Map<String, String>> lines = new HashMap<>();
        for (String line : result.stdout()) {
            String[] f = line.split(" ");
            Map<String, String> kv = new HashMap<>();
            for (String p : f) {
                int eq = p.indexOf('=');
                if (eq > 0) {
                    kv.put(p.substring(0, eq), p.substring(eq + 1));
                }
            }
            kv.put("line", line);
            lines.put(f[0], kv);
        }
        List<RecordedEvent> connects = Recordings.events(result.recording(), "ebpf.TcpConnect");
        List<RecordedEvent> connections = Recordings.events(result.recording(), "ebpf.TcpConnection");
        List<RecordedEvent> threadTcp = Recordings.events(result.recording(), "ebpf.ThreadTcp");
        List<RecordedEvent> stats = Recordings.events(result.recording(), "ebpf.AgentStatistics");
        long lost = stats.stream().mapToLong(e -> e.getLong("recordsLost")).max().orElse(0);
        assertEquals(0, lost, "records lost to a full ring");

        // 1,000 connects from tcp-connector: exactly 1,000 events on that thread, all established.
        Map<String, String> connector = lines.get("tcp-connector");
        List<RecordedEvent> mine = onThread(connects, connector);
        assertEquals(1000, mine.size(), "connect events of tcp-connector");
        for (RecordedEvent e : mine) {
            assertEquals("established", e.getString("result"));
            assertEquals("127.0.0.1", e.getString("remoteAddress"), "IPv4-mapped addresses print as IPv4");
            assertEquals("127.0.0.1", e.getString("localAddress"));
            assertEquals(Integer.parseInt(connector.get("port")), e.getInt("remotePort"));
            assertTrue(e.getInt("localPort") > 0);
            assertTrue(e.getLong("connectTime") > 0 && e.getLong("connectTime") < 1_000_000_000L, e.toString());
        }
        assertEquals(1000, sum(onThread(threadTcp, connector), "connects"), "ebpf.ThreadTcp connects of tcp-connector");

        // 100 connects to a closed port: 100 failures, ECONNREFUSED.
        Map<String, String> refused = lines.get("tcp-refused");
        assertEquals("100", refused.get("count"), refused.get("line"));
        List<RecordedEvent> failures = onThread(connects, refused);
        assertEquals(100, failures.size(), "connect events of tcp-refused");
        for (RecordedEvent e : failures) {
            assertEquals("ECONNREFUSED", e.getString("result"));
            assertEquals(Integer.parseInt(refused.get("port")), e.getInt("remotePort"));
        }
        assertEquals(100, sum(onThread(threadTcp, refused), "connectFailures"));

        // The bulk connection: bytes on both ends equal to what the other end received, as the
        // kernel counted it (ss -tin while it was open), on the connection and on its threads.
        Map<String, String> bulk = lines.get("tcp-bulk");
        int clientPort = Integer.parseInt(bulk.get("localPort"));
        int serverPort = Integer.parseInt(bulk.get("port"));
        Map<Integer, long[]> ss = new HashMap<>(); // local port -> bytes_acked, bytes_received
        Matcher m = SS_END.matcher(bulk.get("line"));
        while (m.find()) {
            ss.put(Integer.parseInt(m.group(1)), new long[] {Long.parseLong(m.group(3)), Long.parseLong(m.group(4))});
        }
        assertEquals(2, ss.size(), () -> "ss output: " + bulk.get("line"));
        RecordedEvent client = only(connections, clientPort, serverPort);
        RecordedEvent server = only(connections, serverPort, clientPort);
        assertEquals("client", client.getString("role"));
        assertEquals("server", server.getString("role"));
        assertEquals("tcp-bulk", client.getThread("javaThread").getJavaName());
        assertEquals("tcp-bulk-server", server.getThread("javaThread").getJavaName());
        assertEquals(TcpWorkload.SENT_BYTES, client.getLong("bytesSent"));
        assertEquals(TcpWorkload.RECEIVED_BYTES, client.getLong("bytesReceived"));
        assertEquals(ss.get(clientPort)[1], client.getLong("bytesReceived"), "client bytes_received (ss)");
        assertEquals(ss.get(serverPort)[1], client.getLong("bytesSent"), "server bytes_received (ss)");
        assertEquals(ss.get(serverPort)[1], server.getLong("bytesReceived"));
        assertEquals(ss.get(clientPort)[1], server.getLong("bytesSent"));
        // bytes_acked counts the SYN on the side that sent it
        assertTrue(ss.get(clientPort)[0] - 1 == client.getLong("bytesSent"), "client bytes_acked (ss) - 1 for the SYN");
        assertEquals("local", client.getString("closedBy"));
        assertEquals("remote", server.getString("closedBy"));
        assertEquals(TcpWorkload.SENT_BYTES, sum(onThread(threadTcp, bulk), "bytesSent"));
        assertEquals(TcpWorkload.RECEIVED_BYTES, sum(onThread(threadTcp, bulk), "bytesReceived"));
        // Held open 2 s: its lifetime is the time the workload held it (connect to close), within 5%.
        double held = Long.parseLong(bulk.get("openMillis")) * 1e6;
        long lifetime = client.getLong("lifetime");
        assertTrue(Math.abs(lifetime - held) <= 0.05 * held, "lifetime " + lifetime + " ns, held " + held + " ns");
        assertEquals(client.getDuration().toNanos(), lifetime, 1_000, "the event spans the connection's life");

        // IPv6 as IPv6.
        Map<String, String> v6 = lines.get("tcp-v6");
        List<RecordedEvent> v6Connects = onThread(connects, v6);
        assertEquals(10, v6Connects.size(), "connect events of tcp-v6");
        for (RecordedEvent e : v6Connects) {
            assertEquals("::1", e.getString("remoteAddress"));
            assertEquals("::1", e.getString("localAddress"));
            assertEquals(Integer.parseInt(v6.get("port")), e.getInt("remotePort"));
        }

        // The churn: every one of its connects on its thread, and every connection closed on both ends.
        Map<String, String> churn = lines.get("tcp-churn");
        assertEquals(10000, onThread(connects, churn).size(), "connect events of tcp-churn");
        long closedClients = onThread(connections, churn).stream().filter(e -> !e.getBoolean("open")).count();
        assertEquals(10000, closedClients, "closed connections of tcp-churn");

        // Nothing of the other process.
        for (RecordedEvent e : connects) {
            assertTrue(!foreignPorts.contains(e.getInt("remotePort")) && !foreignPorts.contains(e.getInt("localPort")),
                    () -> "another process's connection: " + e);
        }
        for (RecordedEvent e : connections) {
            assertTrue(!foreignPorts.contains(e.getInt("remotePort")) && !foreignPorts.contains(e.getInt("localPort")),
                    () -> "another process's connection: " + e);
        }
        // The report's TCP section adds the same figures up.
        Cli report = Cli.run("report", "--format", "json", result.recording().toString());
        assertEquals(0, report.exit(), report.err());
        String json = report.out().replaceAll("\\s+", "");
        assertTrue(json.contains("{\"name\":\"tcp-connector\",\"tid\":" + connector.get("tid") + ",\"connects\":1000,"
                + "\"connectFailures\":0,"), json);
        assertTrue(json.contains("{\"name\":\"tcp-refused\",\"tid\":" + refused.get("tid") + ",\"connects\":0,"
                + "\"connectFailures\":100,"), json);
        assertTrue(Pattern.compile("\\{\"remote\":\"127\\.0\\.0\\.1:" + serverPort + "\",\"connections\":1,\"connects\":1,"
                + "\"connectFailures\":0,[^}]*\"bytesSent\":" + TcpWorkload.SENT_BYTES + ",\"bytesReceived\":"
                + TcpWorkload.RECEIVED_BYTES + ",").matcher(json).find(), json);
        assertTrue(Pattern.compile("\\{\"remote\":\"clientsof127\\.0\\.0\\.1:" + serverPort + "\",\"connections\":1,"
                + "[^}]*\"bytesSent\":" + TcpWorkload.RECEIVED_BYTES + ",\"bytesReceived\":" + TcpWorkload.SENT_BYTES + ",")
                .matcher(json).find(), json);

        // compare gates on the TCP figures: the run against itself passes; against a copy without
        // its connect events (jfr scrub) as the base, the connect failures are a regression.
        String rec = result.recording().toString();
        Cli same = Cli.run("compare", rec, rec, "--fail-on", "connectFailures=+0%,connectTimeP99=+0%,tcpBytes=+0%");
        assertEquals(0, same.exit(), same.out() + same.err());
        double seconds = Double.parseDouble(field(same.out(), "base \\S+: ([0-9.]+) s measured"));
        // Both figures are printed rounded (the seconds to 0.01 s, the rate to three digits: 100
        // over 6.265 s prints as 16.0 over 6.27 s, where a rate computed from 6.27 reads 15.9), so
        // their product is 100 within 1.
        double failuresPerSecond = Double.parseDouble(field(same.out(), "\\n\\s+connectFailures /s\\s+([0-9.]+) "));
        assertEquals(100, failuresPerSecond * seconds, 1, "100 failures over " + seconds + " s: " + same.out());
        java.nio.file.Path scrubbed = result.recording().resolveSibling("no-connects.jfr");
        Process scrub = new ProcessBuilder(AgentRun.JAVA.resolveSibling("jfr").toString(), "scrub", "--exclude-events",
                "ebpf.TcpConnect", rec, scrubbed.toString()).inheritIO().start();
        assertEquals(0, scrub.waitFor());
        Cli worse = Cli.run("compare", scrubbed.toString(), rec, "--fail-on", "connectFailures=+50%");
        assertEquals(4, worse.exit(), worse.out() + worse.err());
        assertTrue(worse.out().contains("connectFailures"), worse.out());

        System.out.printf("TcpIT: %d connect events, %d connection events, %d thread events%n", connects.size(),
                connections.size(), threadTcp.size());
    }

    /**
     * Inside a PID namespace (a container) the probe still filters on the kernel's tgid, and the
     * events carry the tids the JVM sees (those the workload's threads printed from gettid).
     */
    @Test
    void insideAPidNamespaceTheThreadsAreTheOnesTheJvmSees() throws Exception {
        AgentRun.Running child = AgentRun.of(TcpWorkload.class).agentOptions("probes=sched+tcp,interval=200ms")
                .args("50", "5", "0").under("unshare", "--pid", "--fork", "--mount-proc").start();
        child.awaitStderr("tcp probe attached", Duration.ofSeconds(60));
        child.send("go");
        child.awaitStdout("DONE", Duration.ofSeconds(120));
        child.send("exit");
        AgentRun.Result result = child.finish(Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), () -> String.join("\n", result.stderr()));
        String connectorLine = result.stdout().stream().filter(l -> l.startsWith("tcp-connector ")).findFirst().orElseThrow();
        Map<String, String> connector = new HashMap<>();
        for (String p : connectorLine.split(" ")) {
            int eq = p.indexOf('=');
            if (eq > 0) {
                connector.put(p.substring(0, eq), p.substring(eq + 1));
            }
        }
        assertTrue(Long.parseLong(connector.get("tid")) < 1000, "a namespace tid: " + connectorLine);
        List<RecordedEvent> connects = Recordings.events(result.recording(), "ebpf.TcpConnect");
        assertEquals(50, onThread(connects, connector).size(), "connect events of tcp-connector [" + connector.get("tid") + "]");
        long refused = connects.stream().filter(e -> "ECONNREFUSED".equals(e.getString("result"))).count();
        assertEquals(5, refused, "refused connects");
    }

    private static List<RecordedEvent> onThread(List<RecordedEvent> events, Map<String, String> line) {
        long tid = Long.parseLong(line.get("tid"));
        long javaId = Long.parseLong(line.get("javaId"));
        List<RecordedEvent> out = new ArrayList<>();
        for (RecordedEvent e : events) {
            RecordedThread t = e.getThread("javaThread");
            if (e.getLong("tid") == tid && t != null && t.getJavaThreadId() == javaId) {
                out.add(e);
            }
        }
        return out;
    }

    private static String field(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), () -> regex + " not in " + text);
        return m.group(1);
    }

    private static long sum(List<RecordedEvent> events, String field) {
        return events.stream().mapToLong(e -> e.getLong(field)).sum();
    }

    private static RecordedEvent only(List<RecordedEvent> connections, int localPort, int remotePort) {
        List<RecordedEvent> found = connections.stream()
                .filter(e -> e.getInt("localPort") == localPort && e.getInt("remotePort") == remotePort && !e.getBoolean("open"))
                .toList();
        assertEquals(1, found.size(), () -> "closed connections " + localPort + " -> " + remotePort + ": " + found);
        return found.get(0);
    }
}

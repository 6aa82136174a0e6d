package org.ebpfagent.it;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jdk.jfr.consumer.RecordedEvent;
import org.ebpfagent.it.workload.TcpRemoteWorkload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connections over a real (virtual) link instead of loopback: the test makes a network namespace
 * joined to the root one by a veth pair (10.231.7.1 here, 10.231.7.2 there), runs a small server
 * in it (another process, in another namespace: never this JVM's), and checks each of the JVM's
 * connections to it — addresses, ports, exact bytes both ways, a smoothed RTT — then removes the
 * namespace and the link.
 */
class TcpNetnsIT {
    private static final String NS = "ebpf-agent-it";
    private static final String VETH = "ea-veth0";
    private static final String PEER = "ea-veth1";
    private static final String HERE = "10.231.7.1";
    private static final String THERE = "10.231.7.2";
    private static final int PORT = 7777;
    private static final int CONNECTIONS = 20;
    /** Reads each connection to its end, answers 1,000 bytes, closes: Python, in the namespace. */
    private static final String SERVER = String.join("\n",
            "import socket",
            "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('" + THERE + "', " + PORT + ")); s.listen(64); print('LISTENING', flush=True)",
            "while True:",
            "    c, _ = s.accept()",
            "    while c.recv(65536): pass",
            "    c.sendall(b'x' * " + TcpRemoteWorkload.ANSWER + "); c.close()");

    @Test
    void connectionsOverAVethPairCarryTheirAddressesAndExactBytes() throws Exception {
        Process server = null;
        runQuietly("ip", "netns", "del", NS); // left by a run that was killed
        runQuietly("ip", "link", "del", VETH);
        try {
            run("ip", "netns", "add", NS);
            run("ip", "link", "add", VETH, "type", "veth", "peer", "name", PEER);
            run("ip", "link", "set", PEER, "netns", NS);
            run("ip", "addr", "add", HERE + "/24", "dev", VETH);
            run("ip", "link", "set", VETH, "up");
            run("ip", "netns", "exec", NS, "ip", "addr", "add", THERE + "/24", "dev", PEER);
            run("ip", "netns", "exec", NS, "ip", "link", "set", PEER, "up");
            run("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up");
            server = new ProcessBuilder("ip", "netns", "exec", NS, "python3", "-c", SERVER).redirectErrorStream(true).start();
            String ready = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream())).readLine();
            assertEquals("LISTENING", ready, "the server in the namespace");

            AgentRun.Running child = AgentRun.of(TcpRemoteWorkload.class).agentOptions("probes=sched+tcp,interval=200ms")
                    .args(THERE, String.valueOf(PORT), String.valueOf(CONNECTIONS)).start();
            child.awaitStderr("tcp probe attached", Duration.ofSeconds(60));
            child.send("go");
            child.awaitStdout("DONE", Duration.ofSeconds(60));
            AgentRun.Result result = child.finish(Duration.ofSeconds(60));
            assertEquals(0, result.exitCode(), () -> String.join("\n", result.stderr()));
            assertTrue(result.stdout().stream().anyMatch(l -> l.startsWith("tcp-remote ") && l.contains("count=" + CONNECTIONS)),
                    () -> "workload: " + result.stdout());

            List<RecordedEvent> connects = Recordings.events(result.recording(), "ebpf.TcpConnect").stream()
                    .filter(e -> e.getString("remoteAddress").equals(THERE)).toList();
            assertEquals(CONNECTIONS, connects.size(), "connects to " + THERE);
            for (RecordedEvent e : connects) {
                assertEquals("established", e.getString("result"));
                assertEquals(HERE, e.getString("localAddress"));
                assertEquals(PORT, e.getInt("remotePort"));
                assertEquals("tcp-remote", e.getThread("javaThread").getJavaName());
            }
            List<RecordedEvent> closed = Recordings.events(result.recording(), "ebpf.TcpConnection").stream()
                    .filter(e -> e.getString("remoteAddress").equals(THERE) && !e.getBoolean("open")).toList();
            assertEquals(CONNECTIONS, closed.size(), "connections to " + THERE);
            for (RecordedEvent e : closed) {
                assertEquals("client", e.getString("role"));
                assertEquals(TcpRemoteWorkload.SENT, e.getLong("bytesSent"), e.toString());
                assertEquals(TcpRemoteWorkload.ANSWER, e.getLong("bytesReceived"), e.toString());
                assertTrue(e.getLong("srtt") > 0, "a smoothed RTT: " + e);
                assertEquals("local", e.getString("closedBy"), "the client shut its side first: " + e);
            }
            System.out.printf("TcpNetnsIT: %d connections to %s, %d bytes sent and %d received each%n", closed.size(),
                    THERE, TcpRemoteWorkload.SENT, TcpRemoteWorkload.ANSWER);
        } finally {
            if (server != null) {
                server.destroyForcibly().waitFor();
            }
            runQuietly("ip", "netns", "del", NS); // takes the veth pair with it
            runQuietly("ip", "link", "del", VETH);
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + ": " + out);
    }

    private static void runQuietly(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(30, TimeUnit.SECONDS);
    }
}

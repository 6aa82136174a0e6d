package org.ebpfagent.it;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import org.ebpfagent.it.workload.TcpOpenBeforeWorkload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connections that were open before the agent attached (here: a late attach through the Attach
 * API) are found by the TCP probe's socket iterator at the attach, so even one that stays idle
 * until it closes is reported, on both ends, with the ports the workload had and the bytes it
 * sent after the attach (its own count), and who closed first.
 */
class TcpFoundIT {

    @Test
    void connectionsOpenBeforeTheAttachAreReportedEvenIfIdle() throws Exception {
        AgentRun.Running child = AgentRun.of(TcpOpenBeforeWorkload.class).withoutAgent()
                .jvmOption("-XX:+EnableDynamicAgentLoading")
                .start();
        child.awaitStdout("STARTED", Duration.ofSeconds(30));
        child.loadAgent("probes=sched+tcp,interval=200ms");
        child.awaitStderr("tcp probe attached", Duration.ofSeconds(30));
        child.send("go");
        assertEquals("OPEN []", child.awaitStdout("OPEN ", Duration.ofSeconds(90)), "the kernel's open sockets of the workload");
        child.awaitStdout("DONE", Duration.ofSeconds(10));
        // The kernel has none of the connections open: the probe holds none, and the inode numbers
        // the agent gave the iterator were each taken out by it when it found the connection.
        List<ChildMaps.BpfMapInfo> maps = ChildMaps.of(child.pid());
        int conns = ChildMaps.entries(ChildMaps.named(maps, "conns"));
        int ownSockets = ChildMaps.entries(ChildMaps.named(maps, "own_sockets"));
        child.send("exit");
        AgentRun.Result result = child.finish(Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), () -> String.join("\n", result.stderr()));
        assertEquals(0, conns, "connections left in the probe's map");
        assertEquals(0, ownSockets, "socket inodes left in own_sockets");

        Map<String, int[]> pairs = new HashMap<>(); // IDLE / USED -> client port, server port
        for (String line : result.stdout()) {
            if (line.startsWith("IDLE ") || line.startsWith("USED ")) {
                String[] f = line.split(" ");
                pairs.put(f[0], new int[] {Integer.parseInt(f[1].substring(7)), Integer.parseInt(f[2].substring(7))});
            }
        }
        assertEquals(2, pairs.size(), () -> "workload output: " + result.stdout());
        String closeWait = result.stdout().stream().filter(l -> l.startsWith("SERVER-ENDS-IN-CLOSE-WAIT ")).findFirst().orElseThrow();
        assertTrue(closeWait.startsWith("SERVER-ENDS-IN-CLOSE-WAIT 2 "), "the clients closed first, by ss: " + closeWait);
        List<RecordedEvent> connections = Recordings.events(result.recording(), "ebpf.TcpConnection").stream()
                .filter(e -> !e.getBoolean("open")).toList();
        for (String pair : List.of("IDLE", "USED")) {
            int client = pairs.get(pair)[0];
            int server = pairs.get(pair)[1];
            long sent = pair.equals("USED") ? TcpOpenBeforeWorkload.BYTES : 0;
            RecordedEvent clientEnd = only(connections, client, server, pair + " client end");
            RecordedEvent serverEnd = only(connections, server, client, pair + " server end");
            for (RecordedEvent e : List.of(clientEnd, serverEnd)) {
                assertEquals("found", e.getString("role"), e.toString());
                assertEquals("127.0.0.1", e.getString("localAddress"), e.toString());
                assertEquals("127.0.0.1", e.getString("remoteAddress"), e.toString());
                assertEquals(0, e.getLong("retransmits"), e.toString());
            }
            assertEquals(sent, clientEnd.getLong("bytesSent"), pair + " client end: " + clientEnd);
            assertEquals(0, clientEnd.getLong("bytesReceived"), pair + " client end: " + clientEnd);
            assertEquals(sent, serverEnd.getLong("bytesReceived"), pair + " server end: " + serverEnd);
            assertEquals(0, serverEnd.getLong("bytesSent"), pair + " server end: " + serverEnd);
            // The client end closed first.
            assertEquals("local", clientEnd.getString("closedBy"), pair + " client end: " + clientEnd);
            assertEquals("remote", serverEnd.getString("closedBy"), pair + " server end: " + serverEnd);
            if (pair.equals("IDLE")) { // never read or written: no thread ever owned it
                assertNull(clientEnd.getThread("javaThread"), clientEnd.toString());
                assertEquals(0, clientEnd.getLong("tid"), clientEnd.toString());
            }
        }
    }

    private static RecordedEvent only(List<RecordedEvent> connections, int localPort, int remotePort, String what) {
        List<RecordedEvent> matching = connections.stream()
                .filter(e -> e.getInt("localPort") == localPort && e.getInt("remotePort") == remotePort).toList();
        assertTrue(matching.size() == 1, what + ": " + matching.size() + " closed ebpf.TcpConnection events, "
                + connections.size() + " in all");
        return matching.get(0);
    }
}

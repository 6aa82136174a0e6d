package org.ebpfagent.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jdk.jfr.consumer.RecordedEvent;
import org.ebpfagent.it.workload.TcpFaultWorkload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TCP probe under faults injected with nftables on loopback (a table of the test's own, for
 * the workload's server port only, deleted afterwards): SYNs dropped until the first retransmit
 * give a SYN retransmit and a connect time of the kernel's initial RTO (1 s); data segments
 * dropped for a while give retransmits equal to the kernel's own count for the socket (`ss -tin`
 * total_retrans, read once all data was acknowledged); and a connection still open when the
 * recording is dumped is in the dump, marked open, with its bytes so far.
 */
class TcpFaultIT {
    private static final String TABLE = "ebpf_agent_tcp_fault";

    @Test
    void droppedSynsAndSegmentsGiveTheKernelsRetransmits() throws Exception {
        AgentRun.Running child = AgentRun.of(TcpFaultWorkload.class).agentOptions("probes=sched+tcp,interval=200ms").start();
        child.awaitStderr("tcp probe attached", Duration.ofSeconds(60));
        String serverLine = child.awaitStdout("SERVER port=", Duration.ofSeconds(30));
        int port = Integer.parseInt(serverLine.substring(serverLine.indexOf('=') + 1));
        Path dump = Files.createTempFile("ebpf-agent-tcp-open", ".jfr");
        String syn;
        String lossy;
        nft("add table inet " + TABLE);
        try {
            nft("add chain inet " + TABLE + " in { type filter hook input priority 0 ; }");
            // Dropped where packets come in (on loopback they went out first): lost on the way,
            // as on a network, not refused to the sender (a drop on output is a local send error,
            // which TCP does not count as a retransmit).
            // The first SYN is lost; the rule is gone before the retransmit, 1 s later.
            nft("add rule inet " + TABLE + " in tcp dport " + port + " tcp flags & (syn | ack) == syn drop");
            child.send("syn");
            Thread.sleep(400);
            nft("flush chain inet " + TABLE + " in");
            syn = child.awaitStdout("tcp-syn ", Duration.ofSeconds(30));

            child.send("open");
            child.awaitStdout("tcp-lossy ", Duration.ofSeconds(30));
            // Segments carrying data to the server are lost for 1.5 s (ACKs are short and pass).
            nft("add rule inet " + TABLE + " in tcp dport " + port + " ip length > 200 drop");
            child.send("send");
            Thread.sleep(1500);
            nft("flush chain inet " + TABLE + " in");
            lossy = child.awaitStdout("ss=[", Duration.ofSeconds(60));
            // While it is open: a dump ends the chunk, and the chunk must hold the connection.
            jcmd(child.pid(), "JFR.dump", "name=1", "filename=" + dump);
            child.send("close");
            child.awaitStdout("CLOSED", Duration.ofSeconds(30));
        } finally {
            nft("delete table inet " + TABLE);
        }
        child.send("exit");
        AgentRun.Result result = child.finish(Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), () -> String.join("\n", result.stderr()));

        // SYN retransmit: established after the kernel's initial RTO, on the connecting thread.
        int synPort = Integer.parseInt(field(syn, "localPort"));
        long synMillis = Long.parseLong(field(syn, "millis"));
        RecordedEvent connect = only(Recordings.events(result.recording(), "ebpf.TcpConnect"), synPort);
        assertEquals("established", connect.getString("result"));
        assertEquals("tcp-syn", connect.getThread("javaThread").getJavaName());
        assertTrue(connect.getLong("synRetransmits") >= 1, connect.toString());
        long connectTime = connect.getLong("connectTime");
        assertTrue(connectTime >= 900_000_000L && connectTime <= (synMillis + 50) * 1_000_000L,
                "connect time " + connectTime + " ns, the workload saw " + synMillis + " ms");

        // Data retransmits: the kernel's own total for the socket, read when all was acknowledged.
        Matcher m = Pattern.compile("ESTAB \\d+ \\d+ \\S+:(\\d+) \\S+:" + port + " .*?retrans:\\d+/(\\d+)").matcher(lossy);
        assertTrue(m.find(), () -> "ss of the client end: " + lossy);
        int lossyPort = Integer.parseInt(m.group(1));
        long kernelRetrans = Long.parseLong(m.group(2));
        assertTrue(kernelRetrans > 0, "the drop rule made no retransmit: " + lossy);
        RecordedEvent closed = onlyConnection(Recordings.events(result.recording(), "ebpf.TcpConnection"), lossyPort, false);
        assertEquals(kernelRetrans, closed.getLong("retransmits"), "retransmits at close vs ss total_retrans");
        assertEquals(TcpFaultWorkload.BULK, closed.getLong("bytesSent"));
        long threadRetrans = Recordings.events(result.recording(), "ebpf.ThreadTcp").stream()
                .filter(e -> e.getThread("javaThread") != null && e.getThread("javaThread").getJavaName().equals("tcp-lossy"))
                .mapToLong(e -> e.getLong("retransmits")).sum();
        assertEquals(kernelRetrans, threadRetrans, "retransmits counted on the owner thread as they happened");

        // The dump taken while the connection was open holds it, open, with its bytes so far.
        RecordedEvent open = onlyConnection(Recordings.events(dump, "ebpf.TcpConnection"), lossyPort, true);
        assertEquals(TcpFaultWorkload.BULK, open.getLong("bytesSent"));
        assertEquals("tcp-lossy", open.getThread("javaThread").getJavaName());
        Files.deleteIfExists(dump);
        System.out.printf("TcpFaultIT: SYN connect %.3f s (%d SYN retransmits); %d data retransmits (ss: %d)%n",
                connectTime / 1e9, connect.getLong("synRetransmits"), closed.getLong("retransmits"), kernelRetrans);
    }

    private static String field(String line, String key) {
        Matcher m = Pattern.compile(key + "=(\\S+)").matcher(line);
        assertTrue(m.find(), () -> key + " not in " + line);
        return m.group(1);
    }

    private static RecordedEvent only(List<RecordedEvent> connects, int localPort) {
        List<RecordedEvent> found = connects.stream().filter(e -> e.getInt("localPort") == localPort).toList();
        assertEquals(1, found.size(), () -> "connects from port " + localPort + ": " + found);
        return found.get(0);
    }

    private static RecordedEvent onlyConnection(List<RecordedEvent> connections, int localPort, boolean open) {
        List<RecordedEvent> found = connections.stream()
                .filter(e -> e.getInt("localPort") == localPort && e.getBoolean("open") == open).toList();
        assertTrue(!found.isEmpty(), () -> "no connection from port " + localPort + " with open=" + open);
        return found.get(found.size() - 1);
    }

    private static void nft(String command) throws Exception {
        run("nft", command);
    }

    private static void jcmd(long pid, String... args) throws Exception {
        String[] cmd = new String[args.length + 2];
        cmd[0] = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        cmd[1] = String.valueOf(pid);
        System.arraycopy(args, 0, cmd, 2, args.length);
        run(cmd);
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + ": " + out);
    }
}

package org.ebpfagent.agent.tcp;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.ebpfagent.agent.ffm.CStruct;
import org.ebpfagent.agent.ffm.StructLayout;
import org.ebpfagent.agent.ffm.StructView;
import org.ebpfagent.agent.probe.BpftoolBtf;
import org.ebpfagent.agent.probe.KernelTgid;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.ebpfagent.agent.tcp.TcpLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TCP probe's layouts, bound from tcp.bpf.o's BTF, against bpftool's dump of the same BTF;
 * then a loopback connection of this JVM read back from the probe's ring through those layouts,
 * against what the sockets themselves say (ports, bytes written and read), and the exit record of
 * the thread that wrote on it, against what that thread wrote and its tid (/proc/thread-self).
 */
class TcpProbeIT {
    private static final int SENT = 1000;
    private static final int ANSWERED = 300;

    /** Both flavours: their programs share the logic (tcp_logic.h) but read sockets two ways. */
    @ParameterizedTest
    @ValueSource(strings = {"tp_btf", "raw_tp"})
    void layoutsAndRecordsMatchIndependentReaders(String attach) throws Exception {
        Map<String, Integer> oracle = BpftoolBtf.of("tcp");
        try (TcpProbe probe = TcpProbe.open(KernelTgid.discover(), attach)) {
            assertEquals(attach, probe.attachment.type());
            int checked = 0;
            for (StructLayout layout : List.of(probe.conn, probe.thread.key(), probe.thread.value(), probe.threadExit)) {
                String struct = layout.decl().name();
                assertEquals(oracle.get(struct + " size"), layout.size(), struct);
                for (java.lang.reflect.Field constant : TcpLayout.class.getDeclaredFields()) {
                    if (Modifier.isStatic(constant.getModifiers()) && constant.getType() == CStruct.Field.class
                            && constant.get(null).toString().startsWith(struct + ".")) {
                        CStruct.Field field = (CStruct.Field) constant.get(null);
                        assertEquals(oracle.get(struct + "." + field.name()), layout.offset(field), field.toString());
                        checked++;
                    }
                }
            }
            assertEquals(45, checked, "members declared in TcpLayout for the maps and records");

            int serverPort;
            int clientPort;
            int[] writerTid = new int[1];
            try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                 Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                 Socket accepted = server.accept()) {
                serverPort = server.getLocalPort();
                clientPort = client.getLocalPort();
                client.getOutputStream().write(new byte[SENT]);
                readFully(accepted.getInputStream(), SENT);
                // The answer comes from a thread that exits then: its figures come in its exit record.
                Thread writer = new Thread(() -> {
                    try {
                        writerTid[0] = Integer.parseInt(java.nio.file.Files.readSymbolicLink(
                                java.nio.file.Path.of("/proc/thread-self")).getFileName().toString());
                        accepted.getOutputStream().write(new byte[ANSWERED]);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, "tcp-probe-it-writer");
                writer.start();
                writer.join();
                readFully(client.getInputStream(), ANSWERED);
            }

            // kind -> local port -> the record's figures, until both sides' close records are in
            Map<String, long[]> seen = new HashMap<>();
            StructView r = StructView.of(probe.conn);
            StructView x = StructView.of(probe.threadExit);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while ((!seen.containsKey("close " + clientPort) || !seen.containsKey("close " + serverPort)
                    || !seen.containsKey("exit " + writerTid[0])) && System.nanoTime() < deadline) {
                while (probe.records.next()) {
                    if ((probe.records.byteAt(0) & 0xff) == REC_THREAD_EXIT) {
                        probe.records.record(x);
                        assertEquals(REC_THREAD_EXIT, x.u8(X_KIND) & 0xff);
                        seen.put("exit " + x.u32(X_NS_TID), new long[] {x.u64(X_BYTES_SENT), x.u64(X_BYTES_RECEIVED),
                                x.u64(X_EXITED), x.u64(X_START)});
                        continue;
                    }
                    probe.records.record(r);
                    int kind = r.u8(KIND) & 0xff;
                    seen.put((kind == REC_CONNECT ? "connect " : "close ") + (r.u16(LOCAL_PORT) & 0xffff), new long[] {
                            r.u16(REMOTE_PORT) & 0xffff, r.u32(RESULT), r.u64(BYTES_SENT), r.u64(BYTES_RECEIVED),
                            r.u16(FAMILY), r.u64At(REMOTE_ADDR, 0), r.u8(ROLE), r.u64At(REMOTE_ADDR, 8)});
                }
                probe.records.commit();
                Thread.sleep(20);
            }
            long[] connect = seen.get("connect " + clientPort);
            assertNotNull(connect, "connect record of port " + clientPort + " in " + seen.keySet());
            assertEquals(serverPort, connect[0]);
            assertEquals(0, connect[1], "established");
            // Java's sockets are AF_INET6 unless IPv4 is preferred: 127.0.0.1 is then ::ffff:127.0.0.1
            if (connect[4] == 2) {
                assertEquals(0x0100007fL, connect[5] & 0xffffffffL, "127.0.0.1, its bytes read little-endian");
            } else {
                assertEquals(10, connect[4], "AF_INET or AF_INET6");
                assertEquals(0, connect[5], "::ffff:127.0.0.1, first 8 bytes");
                assertEquals(0x0100007fffff0000L, connect[7], "::ffff:127.0.0.1, last 8 bytes read little-endian");
            }
            long[] clientClose = seen.get("close " + clientPort);
            assertNotNull(clientClose, "close record of port " + clientPort + " in " + seen.keySet());
            assertEquals(SENT, clientClose[2], "client bytes sent");
            assertEquals(ANSWERED, clientClose[3], "client bytes received");
            assertEquals(1, clientClose[6], "ROLE_CLIENT");
            long[] serverClose = seen.get("close " + serverPort);
            assertNotNull(serverClose, "close record of port " + serverPort + " in " + seen.keySet());
            assertEquals(clientPort, serverClose[0]);
            assertEquals(ANSWERED, serverClose[2], "server bytes sent");
            assertEquals(SENT, serverClose[3], "server bytes received");
            assertEquals(2, serverClose[6], "ROLE_SERVER");
            long[] writerExit = seen.get("exit " + writerTid[0]);
            assertNotNull(writerExit, "exit record of thread " + writerTid[0] + " in " + seen.keySet());
            assertEquals(ANSWERED, writerExit[0], "the writer thread's bytes sent");
            assertEquals(0, writerExit[1], "the writer thread's bytes received");
            assertTrue(writerExit[2] > writerExit[3] && writerExit[2] <= System.nanoTime(),
                    "exited after it started, before now (CLOCK_MONOTONIC)");
        }
    }

    private static void readFully(InputStream in, int n) throws Exception {
        byte[] buffer = new byte[n];
        int read = 0;
        while (read < n) {
            int r = in.read(buffer, read, n - read);
            if (r < 0) {
                throw new IllegalStateException("closed after " + read + " bytes");
            }
            read += r;
        }
    }
}

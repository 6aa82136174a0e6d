package org.ebpfagent.agent.tcp;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfMap;
import org.ebpfagent.agent.ffm.StructView;

/**
 * The listening TCP sockets this process opened before the probe attached (a server usually
 * binds while the JVM starts), added to the probe's {@code listeners} map so that connections
 * accepted on them are known as this JVM's, with their role and lifetime from the handshake. Found
 * through /proc/self: the sockets among this process's file descriptors, their state and port in
 * /proc/self/net/tcp and tcp6, keyed by the network namespace's inode as the probe keys them.
 * Listeners opened after the attach are the probe's own to see.
 */
final class OpenListeners {
    private static final String LISTEN = "0A";

    private OpenListeners() {}

    /** Adds them; returns how many were added (those the probe saw already are left as they are). */
    static int register(BpfMap listeners, BpfMap.Layout layout) throws BpfException, IOException {
        byte[] key = new byte[layout.key().size()];
        StructView k = StructView.over(layout.key(), key);
        byte[] unknownAddress = new byte[layout.value().size()];
        Set<String> sockets = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith("socket:[")) {
                        sockets.add(link.substring(8, link.length() - 1));
                    }
                } catch (IOException e) {
                    // closed while we looked
                }
            }
        }
        String ns = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString(); // net:[4026531840]
        int netns = (int) Long.parseLong(ns.substring(ns.indexOf('[') + 1, ns.length() - 1));
        int added = 0;
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.exists(path)) {
                continue;
            }
            for (String line : Files.readAllLines(path)) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                if (f.length < 10 || !f[3].equals(LISTEN) || !sockets.contains(f[9])) {
                    continue;
                }
                int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
                k.setU32(TcpLayout.LISTEN_NETNS, netns);
                k.setU32(TcpLayout.LISTEN_PORT, port);
                if (listeners.putIfAbsent(key, unknownAddress)) {
                    added++;
                }
            }
        }
        return added;
    }
}

package org.ebpfagent.agent.tcp;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * This process's TCP sockets as /proc/self shows them: the sockets among its file descriptors
 * (their socket:[N] links), looked up in /proc/self/net/tcp and tcp6, which list every TCP socket
 * of the process's network namespace with its state, local port and inode number.
 */
final class OwnSockets {
    /** /proc/net/tcp's st column for LISTEN. */
    static final String LISTEN = "0A";

    /** One socket: its state (the kernel's TCP state in two hex digits), local port and inode number. */
    record Socket(String state, int localPort, long inode) {}

    private OwnSockets() {}

    /** This process's TCP sockets (IPv4 and IPv6) now. */
    static List<Socket> tcp() throws IOException {
        Set<String> ours = inodes();
        List<Socket> sockets = new ArrayList<>();
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.exists(path)) {
                continue;
            }
            for (String line : Files.readAllLines(path)) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                if (f.length < 10 || !ours.contains(f[9])) {
                    continue;
                }
                int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
                sockets.add(new Socket(f[3], port, Long.parseLong(f[9])));
            }
        }
        return sockets;
    }

    /** The inode numbers of this process's sockets, in decimal as /proc writes them. */
    private static Set<String> inodes() throws IOException {
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
        return sockets;
    }
}

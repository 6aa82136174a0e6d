package org.ebpfagent.agent.tcp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
    private OpenListeners() {}

    /**
     * Adds those among {@code sockets} (this process's, {@link OwnSockets#tcp}); returns how many
     * were added (those the probe saw already are left as they are).
     */
    static int register(BpfMap listeners, BpfMap.Layout layout, List<OwnSockets.Socket> sockets)
            throws BpfException, IOException {
        byte[] key = new byte[layout.key().size()];
        StructView k = StructView.over(layout.key(), key);
        byte[] unknownAddress = new byte[layout.value().size()];
        String ns = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString(); // net:[4026531840]
        int netns = (int) Long.parseLong(ns.substring(ns.indexOf('[') + 1, ns.length() - 1));
        int added = 0;
        for (OwnSockets.Socket socket : sockets) {
            if (!socket.state().equals(OwnSockets.LISTEN)) {
                continue;
            }
            k.setU32(TcpLayout.LISTEN_NETNS, netns);
            k.setU32(TcpLayout.LISTEN_PORT, socket.localPort());
            if (listeners.putIfAbsent(key, unknownAddress)) {
                added++;
            }
        }
        return added;
    }
}

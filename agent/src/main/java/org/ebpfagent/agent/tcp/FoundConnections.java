package org.ebpfagent.agent.tcp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfMap;
import org.ebpfagent.agent.ffm.BpfObject;

/**
 * The connections this process had open before the probe attached (a late attach, or the JVM's
 * own start), found once right after the attach. Which ones are ours is known from /proc/self:
 * the sockets among this process's file descriptors that /proc/self/net/tcp and tcp6 show past
 * their handshake. Their inode numbers go to the probe's {@code own_sockets} map, and the probe's
 * socket iterator ({@code find_open_btf}, tcp.bpf.c), which walks the network namespace's TCP
 * sockets and knows ours by their inode number, gives each a connection entry (role {@code found}),
 * keyed by the socket's address as every entry is. Without it such a connection was seen only at its first read or write, and an idle
 * one never. Connections opened from the attach on are the tracepoints' to see; one that closes
 * between the listing and the walk is not in the walk.
 */
final class FoundConnections {
    static final String PROGRAM = "find_open_btf";
    /** /proc/net/tcp's st column: ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT, LAST_ACK, CLOSING. */
    private static final Set<String> OPEN_STATES = Set.of("01", "04", "05", "08", "09", "0B");

    private FoundConnections() {}

    /**
     * Runs the iterator over the open connections among {@code sockets} (this process's,
     * {@link OwnSockets#tcp}); returns how many there were.
     */
    static int find(BpfObject object, List<OwnSockets.Socket> sockets) throws BpfException {
        BpfMap ownSockets = object.map("own_sockets");
        ByteBuffer key = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.nativeOrder());
        byte[] present = {1};
        int given = 0;
        for (OwnSockets.Socket socket : sockets) {
            if (!OPEN_STATES.contains(socket.state())) {
                continue;
            }
            if (given == ownSockets.maxEntries()) {
                break; // the rest are found at their first read or write, as before
            }
            key.putLong(0, socket.inode());
            if (ownSockets.putIfAbsent(key.array(), present)) {
                given++;
            }
        }
        if (given > 0) {
            object.runIterator(PROGRAM);
        }
        return given;
    }
}

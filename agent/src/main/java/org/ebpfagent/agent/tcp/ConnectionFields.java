package org.ebpfagent.agent.tcp;

import org.ebpfagent.agent.ffm.StructView;
import org.ebpfagent.agent.threads.ThreadRegistry;
import org.ebpfagent.events.TcpConnection;

import static org.ebpfagent.agent.tcp.TcpLayout.*;

/**
 * An {@code ebpf.TcpConnection} from a {@code struct tcp_conn}: a closed connection's record from
 * the ring, or an open one's entry at a chunk's end. The figures so far of an open connection
 * have no RTT and no closer yet.
 */
final class ConnectionFields {
    private ConnectionFields() {}

    /** Fills {@code e} from {@code c} for the life up to {@code end} (monotonic ns). */
    static void fill(TcpConnection e, StructView c, long end, boolean open, ThreadRegistry registry,
                     AddressCache addresses) {
        int ownerTid = c.u32(OWNER_NS_TID);
        Thread owner = ownerTid != 0 ? registry.lookup(ownerTid, c.u64(OWNER_START), Long.MAX_VALUE) : null;
        e.javaThread = owner;
        e.threadName = owner != null ? owner.getName() : c.string(OWNER_COMM);
        e.tid = ownerTid;
        e.role = ROLES[Math.min(c.u8(ROLE) & 0xff, ROLES.length - 1)];
        int family = c.u16(FAMILY) & 0xffff;
        e.localAddress = addresses.address(family, c.u64At(LOCAL_ADDR, 0), c.u64At(LOCAL_ADDR, 8));
        e.remoteAddress = addresses.address(family, c.u64At(REMOTE_ADDR, 0), c.u64At(REMOTE_ADDR, 8));
        e.localPort = c.u16(LOCAL_PORT) & 0xffff;
        e.remotePort = c.u16(REMOTE_PORT) & 0xffff;
        e.lifetime = end - c.u64(START);
        e.bytesSent = c.u64(BYTES_SENT);
        e.bytesReceived = c.u64(BYTES_RECEIVED);
        e.retransmits = Integer.toUnsignedLong(c.u32(RETRANSMITS));
        e.resetsSent = Integer.toUnsignedLong(c.u32(RESETS_SENT));
        e.resetsReceived = Integer.toUnsignedLong(c.u32(RESETS_RECEIVED));
        e.open = open;
        if (open) {
            e.srtt = 0;
            e.closedBy = "";
        } else {
            e.srtt = Integer.toUnsignedLong(c.u32(SRTT_US)) * 1000;
            int closedBy = c.u8(CLOSED_BY) & 0xff;
            e.closedBy = closedBy == 0 ? "unknown" : CLOSED_BY_NAMES[Math.min(closedBy, 2)];
        }
    }
}

package org.ebpfagent.agent.tcp;

import org.ebpfagent.agent.ffm.CStruct;

/**
 * {@code struct tcp_conn}, {@code struct tcp_thread_key} and {@code struct tcp_thread}
 * (bpf/include/tcp.h) as Java reads them. The probe binds its maps to these at load, which checks
 * every field against the object's BTF: a field added or moved in tcp.h and not here fails the load.
 */
final class TcpLayout {
    static final CStruct CONN = CStruct.named("TcpConn")
            .u64("start_ns")
            .u64("established_ns")
            .u64("closed_ns")
            .u64("bytes_sent")
            .u64("bytes_received")
            .u64("owner_start_ns")
            .u32("owner_tid")
            .u32("owner_ns_tid")
            .u32("retransmits")
            .u32("syn_retransmits")
            .u32("resets_sent")
            .u32("resets_received")
            .u32("srtt_us")
            .u32("result")
            .bytes("owner_comm", 16)
            .bytes("local_addr", 16)
            .bytes("remote_addr", 16)
            .u16("local_port")
            .u16("remote_port")
            .u16("family")
            .u8("role")
            .u8("closed_by")
            .u8("kind")
            .bytes("pad", 7)
            .build();

    static final CStruct THREAD_KEY = CStruct.named("TcpThreadKey")
            .u32("tid")
            .u32("pad")
            .u64("start_ns")
            .build();

    static final CStruct THREAD = CStruct.named("TcpThread")
            .u64("bytes_sent")
            .u64("bytes_received")
            .u64("connects")
            .u64("connect_failures")
            .u64("accepts")
            .u64("retransmits")
            .u32("ns_tid")
            .u32("exited")
            .bytes("comm", 16)
            .build();

    static final int START = CONN.offset("start_ns");
    static final int ESTABLISHED = CONN.offset("established_ns");
    static final int CLOSED = CONN.offset("closed_ns");
    static final int BYTES_SENT = CONN.offset("bytes_sent");
    static final int BYTES_RECEIVED = CONN.offset("bytes_received");
    static final int OWNER_START = CONN.offset("owner_start_ns");
    static final int OWNER_TID = CONN.offset("owner_tid");
    static final int OWNER_NS_TID = CONN.offset("owner_ns_tid");
    static final int RETRANSMITS = CONN.offset("retransmits");
    static final int SYN_RETRANSMITS = CONN.offset("syn_retransmits");
    static final int RESETS_SENT = CONN.offset("resets_sent");
    static final int RESETS_RECEIVED = CONN.offset("resets_received");
    static final int SRTT_US = CONN.offset("srtt_us");
    static final int RESULT = CONN.offset("result");
    static final int OWNER_COMM = CONN.offset("owner_comm");
    static final int LOCAL_ADDR = CONN.offset("local_addr");
    static final int REMOTE_ADDR = CONN.offset("remote_addr");
    static final int LOCAL_PORT = CONN.offset("local_port");
    static final int REMOTE_PORT = CONN.offset("remote_port");
    static final int FAMILY = CONN.offset("family");
    static final int ROLE = CONN.offset("role");
    static final int CLOSED_BY = CONN.offset("closed_by");
    static final int KIND = CONN.offset("kind");

    static final int KEY_TID = THREAD_KEY.offset("tid");
    static final int KEY_START = THREAD_KEY.offset("start_ns");

    static final int T_BYTES_SENT = THREAD.offset("bytes_sent");
    static final int T_BYTES_RECEIVED = THREAD.offset("bytes_received");
    static final int T_CONNECTS = THREAD.offset("connects");
    static final int T_CONNECT_FAILURES = THREAD.offset("connect_failures");
    static final int T_ACCEPTS = THREAD.offset("accepts");
    static final int T_RETRANSMITS = THREAD.offset("retransmits");
    static final int T_NS_TID = THREAD.offset("ns_tid");
    static final int T_EXITED = THREAD.offset("exited");
    static final int T_COMM = THREAD.offset("comm");

    static final int COMM_SIZE = 16;

    /** enum tcp_role, enum tcp_closed_by, enum tcp_record_kind */
    static final String[] ROLES = {"unknown", "client", "server", "found"};
    static final String[] CLOSED_BY_NAMES = {"", "local", "remote"};
    static final int REC_CONNECT = 1;
    static final int REC_CLOSE = 2;

    /** enum tcp_counter: indexes of the counters array */
    static final int CNT_CONNS_FULL = 0;
    static final int CNT_THREADS_FULL = 1;
    static final int CNT_RECORDS_LOST = 2;
    static final int CNT_LISTENERS_FULL = 3;
    static final int CNT_RECORDS = 4;

    static final int CONFIG_SIZE = 8;

    private TcpLayout() {}
}

package org.ebpfagent.agent.tcp;

import org.ebpfagent.agent.ffm.CStruct;
import org.ebpfagent.agent.ffm.CStruct.Field;

/**
 * The structs of bpf/include/tcp.h that the agent reads or writes, and of each only the members
 * it uses. Offsets and sizes come from the object's BTF when the probe binds its maps at load; a
 * member missing or resized in tcp.h fails the load, naming the map and the member.
 */
final class TcpLayout {
    /** struct tcp_conn: a value of the conns hash, and each ring-buffer record */
    static final CStruct CONN = CStruct.named("tcp_conn");
    static final Field START = CONN.u64("start_ns");
    static final Field ESTABLISHED = CONN.u64("established_ns");
    static final Field CLOSED = CONN.u64("closed_ns");
    static final Field BYTES_SENT = CONN.u64("bytes_sent");
    static final Field BYTES_RECEIVED = CONN.u64("bytes_received");
    static final Field OWNER_START = CONN.u64("owner_start_ns");
    static final Field OWNER_NS_TID = CONN.u32("owner_ns_tid");
    static final Field RETRANSMITS = CONN.u32("retransmits");
    static final Field SYN_RETRANSMITS = CONN.u32("syn_retransmits");
    static final Field RESETS_SENT = CONN.u32("resets_sent");
    static final Field RESETS_RECEIVED = CONN.u32("resets_received");
    static final Field SRTT_US = CONN.u32("srtt_us");
    static final Field RESULT = CONN.u32("result");
    static final Field OWNER_COMM = CONN.bytes("owner_comm", 16);
    /** Read as two longs (Endpoints.address). */
    static final Field LOCAL_ADDR = CONN.bytes("local_addr", 16);
    static final Field REMOTE_ADDR = CONN.bytes("remote_addr", 16);
    static final Field LOCAL_PORT = CONN.u16("local_port");
    static final Field REMOTE_PORT = CONN.u16("remote_port");
    static final Field FAMILY = CONN.u16("family");
    static final Field ROLE = CONN.u8("role");
    static final Field CLOSED_BY = CONN.u8("closed_by");
    static final Field KIND = CONN.u8("kind");

    /** struct tcp_thread_key and struct tcp_thread: the threads hash's key and value */
    static final CStruct THREAD_KEY = CStruct.named("tcp_thread_key");
    static final Field KEY_TID = THREAD_KEY.u32("tid");
    static final Field KEY_START = THREAD_KEY.u64("start_ns");
    static final CStruct THREAD = CStruct.named("tcp_thread");
    static final Field T_BYTES_SENT = THREAD.u64("bytes_sent");
    static final Field T_BYTES_RECEIVED = THREAD.u64("bytes_received");
    static final Field T_CONNECTS = THREAD.u64("connects");
    static final Field T_CONNECT_FAILURES = THREAD.u64("connect_failures");
    static final Field T_ACCEPTS = THREAD.u64("accepts");
    static final Field T_RETRANSMITS = THREAD.u64("retransmits");
    static final Field T_NS_TID = THREAD.u32("ns_tid");
    static final Field T_EXITED = THREAD.u32("exited");
    static final Field T_COMM = THREAD.bytes("comm", 16);

    /** struct tcp_thread_exit: the ring record of a thread that exited */
    static final CStruct THREAD_EXIT = CStruct.named("tcp_thread_exit");
    static final Field X_KIND = THREAD_EXIT.u8("kind");
    static final Field X_EXITED = THREAD_EXIT.u64("exited_ns");
    static final Field X_START = THREAD_EXIT.u64("start_ns");
    static final Field X_TID = THREAD_EXIT.u32("tid");
    static final Field X_NS_TID = THREAD_EXIT.u32("ns_tid");
    static final Field X_BYTES_SENT = THREAD_EXIT.u64("bytes_sent");
    static final Field X_BYTES_RECEIVED = THREAD_EXIT.u64("bytes_received");
    static final Field X_CONNECTS = THREAD_EXIT.u64("connects");
    static final Field X_CONNECT_FAILURES = THREAD_EXIT.u64("connect_failures");
    static final Field X_ACCEPTS = THREAD_EXIT.u64("accepts");
    static final Field X_RETRANSMITS = THREAD_EXIT.u64("retransmits");
    static final Field X_COMM = THREAD_EXIT.bytes("comm", 16);

    /** struct tcp_listen_key: the listeners hash's key (its value is a bare u64) */
    static final CStruct LISTEN_KEY = CStruct.named("tcp_listen_key");
    static final Field LISTEN_NETNS = LISTEN_KEY.u32("netns");
    static final Field LISTEN_PORT = LISTEN_KEY.u32("port");

    /** struct tcp_config, variable config in .rodata */
    static final CStruct CONFIG = CStruct.named("tcp_config");
    static final Field TARGET_TGID = CONFIG.u32("target_tgid");

    /** enum tcp_role, enum tcp_closed_by, enum tcp_record_kind (every record's first byte) */
    static final String[] ROLES = {"unknown", "client", "server", "found"};
    static final String[] CLOSED_BY_NAMES = {"", "local", "remote"};
    static final int REC_CONNECT = 1;
    static final int REC_CLOSE = 2;
    static final int REC_THREAD_EXIT = 3;

    /** enum tcp_counter: indexes of the counters array */
    static final int CNT_CONNS_FULL = 0;
    static final int CNT_THREADS_FULL = 1;
    static final int CNT_RECORDS_LOST = 2;
    static final int CNT_LISTENERS_FULL = 3;

    private TcpLayout() {}
}

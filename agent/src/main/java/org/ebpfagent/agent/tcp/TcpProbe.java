package org.ebpfagent.agent.tcp;

import java.util.List;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfMap;
import org.ebpfagent.agent.ffm.BpfObject;
import org.ebpfagent.agent.ffm.CStruct;
import org.ebpfagent.agent.ffm.Errno;
import org.ebpfagent.agent.ffm.MmapArray;
import org.ebpfagent.agent.ffm.RingBuffer;
import org.ebpfagent.agent.ffm.StructLayout;
import org.ebpfagent.agent.probe.Attachment;
import org.ebpfagent.agent.probe.BpfResources;
import org.ebpfagent.agent.probe.Flavours;
import org.ebpfagent.agent.util.Log;

/**
 * The loaded and attached TCP probe ({@code tcp.bpf.o}), filtered in the kernel to one process.
 * Owns its BPF object, links, ring-buffer mapping and counters mapping; {@link #close} frees them.
 * Each program exists as tp_btf and raw_tp; tp_btf is loaded first, raw_tp if the kernel refuses it.
 *
 * <p>Kernel memory: the hashes are created without preallocation (an entry costs memory only while
 * its connection or thread exists; an empty hash costs its buckets), the ring buffer is 1 MiB.
 */
public final class TcpProbe implements AutoCloseable {
    private static final Log LOG = Log.named("ebpf-agent");
    /**
     * Programs (without their flavour's suffix), in attach order, which is also the order a
     * tracepoint runs them in: the thread-exit program first (and detached last), so that a
     * thread entry made by any other program always has its exit marked; the state changes twice
     * (tcp.bpf.c, on_state: the second sees a change the kernel kept from the first because it
     * came in an interrupt taken while the first was running), and so does the socket's free.
     */
    static final List<String> PROGRAMS = List.of("sched_process_exit", "inet_sock_set_state",
            "inet_sock_set_state_again", "sock_send_length", "sock_recv_length", "tcp_retransmit_skb", "tcp_send_reset",
            "tcp_receive_reset", "tcp_destroy_sock", "tcp_destroy_sock_again");

    private final BpfObject object;
    final Attachment attachment;
    final BpfMap conns;
    final BpfMap threads;
    final RingBuffer records;
    final MmapArray counters;
    /** struct tcp_conn (conns values and ring records), the threads map's key and value, struct tcp_thread_exit (ring records): where the members are. */
    final StructLayout conn;
    final BpfMap.Layout thread;
    final StructLayout threadExit;

    private TcpProbe(BpfObject object, Attachment attachment, RingBuffer records,
                     MmapArray counters, StructLayout conn, BpfMap.Layout thread, StructLayout threadExit) throws BpfException {
        this.object = object;
        this.conn = conn;
        this.thread = thread;
        this.threadExit = threadExit;
        this.attachment = attachment;
        this.conns = object.map("conns");
        this.threads = object.map("threads");
        this.records = records;
        this.counters = counters;
    }

    /**
     * Loads and attaches the probe for the process whose root-namespace tgid is {@code kernelTgid}:
     * {@code attach} is {@code auto} (tp_btf, raw_tp if the kernel refuses it), {@code tp_btf} or
     * {@code raw_tp}.
     */
    public static TcpProbe open(int kernelTgid, String attach) throws BpfException {
        return Flavours.open(attach, (suffix, attachType) -> {
            if (!suffix.equals("btf")) {
                return open(kernelTgid, suffix, attachType, false);
            }
            // The socket iterator is an extra: a kernel that refuses it keeps the tp_btf probe.
            return Flavours.withExtra("tcp: the socket iterator was refused ({}): connections open before the attach "
                    + "are reported from their first read or write", iterator -> open(kernelTgid, suffix, attachType, iterator));
        });
    }

    /** {@code iterator}: with find_open_btf, which finds the connections open before the attach (tp_btf only). */
    private static TcpProbe open(int kernelTgid, String suffix, String attachType, boolean iterator)
            throws BpfException {
        BpfObject object = BpfResources.open("tcp");
        Attachment attachment = null;
        RingBuffer ring = null;
        MmapArray counters = null;
        try {
            for (String program : object.programNames()) {
                object.setAutoload(program, program.endsWith("_" + suffix)
                        && (iterator || !program.equals(FoundConnections.PROGRAM)));
            }
            StructLayout conn = object.map("conns").bind(CStruct.U64, TcpLayout.CONN).value();
            BpfMap.Layout thread = object.map("threads").bind(TcpLayout.THREAD_KEY, TcpLayout.THREAD);
            BpfMap.Layout listener = object.map("listeners").bind(TcpLayout.LISTEN_KEY, CStruct.U64);
            StructLayout threadExit = object.bindStruct(TcpLayout.THREAD_EXIT);
            if (conn.offset(TcpLayout.KIND) != 0 || threadExit.offset(TcpLayout.X_KIND) != 0) {
                throw new BpfException("check layout", "tcp records", Errno.EINVAL,
                        "the records' kind is not their first byte (tcp.h): the agent tells them apart by it");
            }
            BpfMap rodata = object.map(".rodata");
            rodata.initialValue(rodata.bindVariable("config", TcpLayout.CONFIG)).setU32(TcpLayout.TARGET_TGID, kernelTgid);
            object.load();
            counters = MmapArray.of(object.map("counters"));
            ring = RingBuffer.of(object.map("records"), counters, TcpLayout.CNT_RECORDS_LOST);
            attachment = Attachment.attach(object, PROGRAMS, suffix, attachType);
            // After the attach: what opens from now on is the probe's to see, what was open before
            // is found from /proc/self now.
            List<OwnSockets.Socket> before = List.of();
            try {
                before = OwnSockets.tcp();
            } catch (java.io.IOException | RuntimeException e) {
                LOG.info("tcp: this process's sockets open before the attach not listed ({}): connections on them "
                        + "are reported as found at their first read or write", e.toString());
            }
            try {
                int found = OpenListeners.register(object.map("listeners"), listener, before);
                LOG.debug("tcp: {} listening sockets open before the attach", found);
            } catch (java.io.IOException | RuntimeException e) {
                LOG.info("tcp: listening sockets opened before the attach not found ({}): connections accepted "
                        + "on them are reported as found at their first read or write", e.toString());
            }
            if (iterator) {
                try {
                    int open = FoundConnections.find(object, before);
                    LOG.debug("tcp: {} connections of this process open at the attach, given to the socket iterator", open);
                } catch (BpfException | RuntimeException e) {
                    LOG.info("tcp: connections open before the attach not searched ({}): they are reported from "
                            + "their first read or write", e.toString());
                }
            }
            return new TcpProbe(object, attachment, ring, counters, conn, thread, threadExit);
        } catch (BpfException | RuntimeException e) {
            if (ring != null) {
                ring.close();
            }
            if (counters != null) {
                counters.close();
            }
            if (attachment != null) {
                attachment.close();
            }
            object.close();
            throw e;
        }
    }

    /** Records lost to a full ring, connections and threads that found their map full: cumulative. */
    long counter(int index) {
        return counters.valueLong(index);
    }

    /** Records submitted to the ring so far, summed over the CPUs (a syscall: for checks, not for every poll). */
    long submitted() throws BpfException {
        long sum = 0;
        for (var entry : object.map("submitted").perCpuEntries(Integer.class, Long.class)) {
            for (long perCpu : entry.value()) {
                sum += perCpu;
            }
        }
        return sum;
    }

    @Override
    public void close() {
        attachment.close();
        object.close();
        records.close();
        counters.close();
    }
}

/*
 * ABI of the TCP probe: the structs that cross from tcp.bpf.c to the agent (tcp/TcpLayout.java
 * reads them, checked against this object's BTF at load). Fixed-width fields, natural alignment.
 */
#ifndef EBPF_AGENT_TCP_H
#define EBPF_AGENT_TCP_H

/* Read-only configuration, set by the agent before load (.rodata). */
struct tcp_config {
	__u32 target_tgid; /* the JVM's process id in the root PID namespace */
	__u32 pad;
};

enum tcp_role {
	ROLE_CLIENT = 1, /* this process connected */
	ROLE_SERVER = 2, /* accepted on a listening socket of this process */
	ROLE_FOUND = 3,  /* open before the probe attached: found then (socket iterator), or at its first read or write */
};

enum tcp_closed_by {
	CLOSED_OPEN = 0,   /* not closed (yet) */
	CLOSED_LOCAL = 1,  /* this side sent the first FIN or a reset */
	CLOSED_REMOTE = 2, /* the peer sent the first FIN or a reset */
};

/* What a ring-buffer record says happened: its first byte, whatever its struct. */
enum tcp_record_kind {
	REC_CONNECT = 1,     /* struct tcp_conn: a connect attempt finished: established, or failed (result) */
	REC_CLOSE = 2,       /* struct tcp_conn: a connection closed: its final figures */
	REC_THREAD_EXIT = 3, /* struct tcp_thread_exit: a thread that used TCP exited: its final figures */
};

/*
 * One connection of this process, in the `conns` hash keyed by the socket's address while it
 * lives, and the record sent through the ring buffer when a connect finishes or the connection
 * closes. Times are CLOCK_MONOTONIC ns (bpf_ktime_get_ns).
 */
struct tcp_conn {
	__u8 kind;            /* records: enum tcp_record_kind */
	__u8 pad[7];
	__u64 start_ns;       /* client: connect() (SYN_SENT); server: the handshake's last ACK; found: when found */
	__u64 established_ns; /* 0 until established */
	__u64 closed_ns;      /* when the socket reached CLOSE (records only) */
	__u64 bytes_sent;     /* payload bytes handed to the socket by this process (sock_send_length) */
	__u64 bytes_received; /* payload bytes read from the socket by this process, peeks excluded */
	__u64 owner_start_ns; /* the owner thread's task->start_time: with owner_tid, tells reused tids apart */
	__u32 owner_tid;      /* root PID namespace; 0 until a thread of this process is seen owning it */
	__u32 owner_ns_tid;   /* the owner's tid as the JVM sees it */
	__u32 retransmits;    /* segments retransmitted (the kernel's own total_retrans at close) */
	__u32 syn_retransmits;
	__u32 resets_sent;
	__u32 resets_received;
	__u32 srtt_us;        /* smoothed RTT at close, microseconds */
	__s32 result;         /* REC_CONNECT: 0 established, else the errno; -1: closed while connecting, no error */
	char owner_comm[16];  /* the owner's OS thread name when it became the owner */
	__u8 local_addr[16];  /* IPv4: the first 4 bytes; IPv6: all 16 (IPv4-mapped as the kernel has them) */
	__u8 remote_addr[16];
	__u16 local_port;     /* host byte order; the last non-zero value seen (a reset clears it) */
	__u16 remote_port;
	__u16 family;         /* AF_INET (2) or AF_INET6 (10) */
	__u8 role;            /* enum tcp_role */
	__u8 closed_by;       /* enum tcp_closed_by */
};

/* A thread of this process: its tid and when it was created, so a reused tid starts afresh. */
struct tcp_thread_key {
	__u32 tid;
	__u32 pad;
	__u64 start_ns; /* task->start_time */
};

/* Cumulative TCP figures of one thread (`threads` hash). */
struct tcp_thread {
	__u64 bytes_sent;
	__u64 bytes_received;
	__u64 connects;         /* connects this thread started that were established */
	__u64 connect_failures; /* connects this thread started that failed */
	__u64 accepts;          /* accepted connections this thread was the first to read or write */
	__u64 retransmits;      /* segments retransmitted on connections this thread owns */
	__u32 ns_tid;
	__u32 exited;           /* set at the thread's exit if its record found the ring full: the agent reports it once more and deletes it */
	char comm[16];          /* the OS thread name when the entry was made */
};

/*
 * The ring-buffer record of a thread that exited (sched_process_exit), with its final figures:
 * its `threads` entry is deleted then, so the agent's read of the hash sees live threads only.
 */
struct tcp_thread_exit {
	__u8 kind; /* REC_THREAD_EXIT */
	__u8 pad[7];
	__u64 exited_ns;
	__u64 start_ns; /* the thread's key: task->start_time and root-namespace tid */
	__u32 tid;
	__u32 ns_tid;
	__u64 bytes_sent; /* the rest as in struct tcp_thread */
	__u64 bytes_received;
	__u64 connects;
	__u64 connect_failures;
	__u64 accepts;
	__u64 retransmits;
	char comm[16];
};

/* A listening socket of this process: its network namespace and port. */
struct tcp_listen_key {
	__u32 netns; /* inode number of the network namespace */
	__u32 port;
};

/*
 * What the probe could not record, cumulative: u64 counters at these indexes of the mmap'able
 * `counters` array (the agent reads them without a syscall).
 */
enum tcp_counter {
	CNT_CONNS_FULL = 0,     /* a connection of this process found the conns map full */
	CNT_THREADS_FULL = 1,   /* a thread found the threads map full */
	CNT_RECORDS_LOST = 2,   /* a record found the ring buffer full */
	CNT_LISTENERS_FULL = 3, /* a listening socket found the listeners map full */
	TCP_COUNTERS = 4,
};

#endif

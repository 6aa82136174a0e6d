// SPDX-License-Identifier: GPL-2.0
/*
 * TCP probe: every TCP connection of one process — connect latency and result, lifetime, exact
 * payload bytes, retransmits, resets, smoothed RTT — and per thread, bytes, connects and accepts.
 *
 * Ownership is decided only where it is certain, in process context: the thread that calls
 * connect() (CLOSE -> SYN_SENT), or for an accepted connection the first thread of this process
 * that reads or writes it. It is kept with the connection (the `conns` hash, keyed by the socket's
 * address, deleted when the socket closes), and every later event finds the connection by its
 * socket: retransmits, resets and state changes run in softirq or timers, where `current` is
 * whoever was interrupted and is never looked at. A connection enters `conns` only if a thread of
 * this process connected or used it, or it was accepted on a listening socket this process opened
 * (`listeners`, keyed by network namespace and port). One opened before the probe attached is found
 * at its first read or write.
 *
 * Per-connection records (connect finished, connection closed) go through a ring buffer without
 * a wakeup: the agent drains it on its poll. Per-thread figures are cumulative in `threads`,
 * keyed by tid and the thread's creation time; a thread's exit marks its entry for the agent,
 * which reports it once more and deletes it.
 *
 * Every program exists twice: tp_btf (preferred) and raw_tp (fallback); the agent loads one set.
 * The logic reads through CO-RE probe reads, which serve both.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "tcp.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define SOCK_STREAM 1
#define MSG_PEEK 2
#define BPF_MAP_TYPE_RINGBUF 27
#define BPF_RB_NO_WAKEUP 1

/* include/net/tcp_states.h */
enum {
	TCP_ESTABLISHED = 1,
	TCP_SYN_SENT = 2,
	TCP_SYN_RECV = 3,
	TCP_FIN_WAIT1 = 4,
	TCP_CLOSE = 7,
	TCP_CLOSE_WAIT = 8,
	TCP_LISTEN = 10,
};

const volatile struct tcp_config config = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, TCP_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 index)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &index);

	if (c)
		__sync_fetch_and_add(c, 1);
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384); /* open connections of this JVM; an empty hash costs 16 bytes per entry of capacity */
	__type(key, __u64); /* the struct sock's address: unique while the socket lives */
	__type(value, struct tcp_conn);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096); /* threads of this JVM that used TCP and are alive */
	__type(key, struct tcp_thread_key);
	__type(value, struct tcp_thread);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, struct tcp_listen_key);
	__type(value, __u64); /* the listening socket's address; 0: open before the probe attached (the agent adds those) */
} listeners SEC(".maps");

/* The same listening sockets by address: at its close the kernel may have given its port back already. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct tcp_listen_key);
} listener_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 2 << 20); /* ~13,800 records: 4,600 connections opened and closed on both ends */
} records SEC(".maps");

static __always_inline bool own_process(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == config.target_tgid;
}

static __always_inline bool is_tcp(const struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP && BPF_CORE_READ(sk, sk_type) == SOCK_STREAM;
}

static __always_inline __u32 netns_of(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* The tid as seen from the deepest PID namespace the thread lives in: the JVM's. */
static __always_inline __u32 ns_tid(struct task_struct *t)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up = {};

	bpf_core_read(&up, sizeof(up), &pid->numbers[level & 31]);
	return up.nr;
}

/* Endpoints as the socket has them now; a port that reads 0 keeps the last value seen. */
static __always_inline void read_endpoints(const struct sock *sk, struct tcp_conn *c)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u16 rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));

	c->family = family;
	if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&c->local_addr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&c->remote_addr, sk, __sk_common.skc_v6_daddr);
	} else {
		BPF_CORE_READ_INTO((__u32 *)c->local_addr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)c->remote_addr, sk, __sk_common.skc_daddr);
	}
	if (lport)
		c->local_port = lport;
	if (rport)
		c->remote_port = rport;
}

/* The calling thread's entry in `threads`, created if needed. */
static __always_inline struct tcp_thread *current_thread(struct tcp_thread_key *key)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct tcp_thread *t;

	key->tid = (__u32)bpf_get_current_pid_tgid();
	key->pad = 0;
	key->start_ns = BPF_CORE_READ(task, start_time);
	t = bpf_map_lookup_elem(&threads, key);
	if (t)
		return t;
	struct tcp_thread fresh = { .ns_tid = ns_tid(task) };
	bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
	if (bpf_map_update_elem(&threads, key, &fresh, BPF_NOEXIST) && bpf_map_lookup_elem(&threads, key) == 0) {
		count(CNT_THREADS_FULL);
		return 0;
	}
	return bpf_map_lookup_elem(&threads, key);
}

/* The owner thread's entry, if it has one (never created here: the owner may be gone). */
static __always_inline struct tcp_thread *owner_thread(const struct tcp_conn *c)
{
	struct tcp_thread_key key = { .tid = c->owner_tid, .start_ns = c->owner_start_ns };

	if (!c->owner_tid)
		return 0;
	return bpf_map_lookup_elem(&threads, &key);
}

/*
 * Catches the connection's retransmits up with the kernel's own count (tcp_sock.total_retrans),
 * the delta going to the owner thread too. Called wherever the connection is seen: the
 * retransmit tracepoint does not see every retransmit (a tail loss probe resends without it).
 * The connection's figure is the kernel's, whoever writes it; two CPUs catching the same
 * connection up at the same instant could both add the delta to the thread (compare-and-swap
 * would need Linux 5.12), which the tests have not seen.
 */
static __always_inline void sync_retransmits(const struct sock *sk, struct tcp_conn *c)
{
	__u32 total = BPF_CORE_READ((const struct tcp_sock *)sk, total_retrans);
	__u32 seen = c->retransmits;

	if (total > seen) {
		struct tcp_thread *t = owner_thread(c);

		c->retransmits = total;
		if (t)
			__sync_fetch_and_add(&t->retransmits, total - seen);
	}
}

/* Makes the calling thread the connection's owner. */
static __always_inline void set_owner(struct tcp_conn *c, const struct tcp_thread_key *key, struct tcp_thread *t)
{
	c->owner_start_ns = key->start_ns;
	c->owner_tid = key->tid;
	c->owner_ns_tid = t ? t->ns_tid : ns_tid((struct task_struct *)bpf_get_current_task());
	bpf_get_current_comm(c->owner_comm, sizeof(c->owner_comm));
}

static __always_inline void emit(struct tcp_conn *c, __u8 kind)
{
	struct tcp_conn *r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);

	if (!r) {
		count(CNT_RECORDS_LOST);
		return;
	}
	__builtin_memcpy(r, c, sizeof(*r));
	r->kind = kind;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	count(CNT_RECORDS);
}

static __always_inline struct tcp_conn *new_conn(__u64 key, struct tcp_conn *init)
{
	if (bpf_map_update_elem(&conns, &key, init, BPF_ANY)) {
		count(CNT_CONNS_FULL);
		return 0;
	}
	return bpf_map_lookup_elem(&conns, &key);
}

/*
 * The connection reached CLOSE: its end, smoothed RTT and retransmits are final. Its record waits
 * for the socket to be freed (on_destroy): data the peer sent before closing may still be read by
 * the application from the receive queue, and those bytes are the connection's.
 */
static __always_inline void close_conn(const struct sock *sk, struct tcp_conn *c)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;

	if (c->closed_ns)
		return; /* seen by the first program */
	c->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
	sync_retransmits(sk, c);
	read_endpoints(sk, c);
	c->closed_ns = bpf_ktime_get_ns();
}

/*
 * A state change. Runs twice per change, from two programs attached in turn (`again` the
 * second): the kernel skips a program that is already running on the CPU, and a change in softirq
 * (a handshake's end, a close) can come on the exit of an interrupt taken while the first program
 * was running for a change in process context; the second program then sees it. So every step is
 * idempotent: made or emitted once, whichever program gets there first. Changes only ever made in
 * process context (connect(), listen()) cannot nest, and are the first program's alone.
 */
static __always_inline int on_state(const struct sock *sk, int oldstate, int newstate, bool again)
{
	__u64 key = (__u64)sk;
	struct tcp_conn *c;

	if (!is_tcp(sk))
		return 0;

	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		if (again || !own_process())
			return 0;
		struct tcp_thread_key tk;
		struct tcp_thread *t = current_thread(&tk);
		struct tcp_conn init = { .start_ns = bpf_ktime_get_ns(), .role = ROLE_CLIENT };

		set_owner(&init, &tk, t);
		read_endpoints(sk, &init);
		new_conn(key, &init);
		return 0;
	}
	if (newstate == TCP_LISTEN) {
		if (again || !own_process())
			return 0;
		struct tcp_listen_key lk = { .netns = netns_of(sk), .port = BPF_CORE_READ(sk, __sk_common.skc_num) };

		if (bpf_map_update_elem(&listeners, &lk, &key, BPF_ANY) ||
		    bpf_map_update_elem(&listener_keys, &key, &lk, BPF_ANY)) {
			bpf_map_delete_elem(&listeners, &lk);
			count(CNT_LISTENERS_FULL);
		}
		return 0;
	}
	if (oldstate == TCP_LISTEN) {
		struct tcp_listen_key *own = bpf_map_lookup_elem(&listener_keys, &key);

		if (own) { /* the listening socket itself leaves LISTEN */
			struct tcp_listen_key lk = *own;
			__u64 *listener = bpf_map_lookup_elem(&listeners, &lk);

			if (listener && *listener == key)
				bpf_map_delete_elem(&listeners, &lk);
			bpf_map_delete_elem(&listener_keys, &key);
			return 0;
		}
		struct tcp_listen_key lk = { .netns = netns_of(sk), .port = BPF_CORE_READ(sk, __sk_common.skc_num) };
		__u64 *listener = bpf_map_lookup_elem(&listeners, &lk);

		if (!listener)
			return 0;
		if (*listener == 0 && newstate == TCP_CLOSE) {
			/* one the agent found open at attach (its address unknown) closes, its port still set */
			bpf_map_delete_elem(&listeners, &lk);
			return 0;
		}
		if (newstate == TCP_SYN_RECV) { /* a child of our listener: the handshake's last ACK came */
			struct tcp_conn init = { .start_ns = bpf_ktime_get_ns(), .role = ROLE_SERVER };

			if (again && bpf_map_lookup_elem(&conns, &key))
				return 0; /* made by the first program */

			read_endpoints(sk, &init);
			new_conn(key, &init);
		}
		return 0;
	}

	c = bpf_map_lookup_elem(&conns, &key);
	if (!c)
		return 0;
	sync_retransmits(sk, c);
	if (newstate == TCP_ESTABLISHED) {
		if (c->established_ns)
			return 0; /* seen by the first program */
		c->established_ns = bpf_ktime_get_ns();
		read_endpoints(sk, c);
		if (oldstate == TCP_SYN_SENT) {
			struct tcp_thread *t = owner_thread(c);

			c->result = 0;
			emit(c, REC_CONNECT);
			if (t)
				__sync_fetch_and_add(&t->connects, 1);
		}
		return 0;
	}
	if (oldstate == TCP_ESTABLISHED && newstate == TCP_FIN_WAIT1 && !c->closed_by)
		c->closed_by = CLOSED_LOCAL;
	if (oldstate == TCP_ESTABLISHED && newstate == TCP_CLOSE_WAIT && !c->closed_by)
		c->closed_by = CLOSED_REMOTE;
	if (newstate != TCP_CLOSE)
		return 0;
	if (oldstate == TCP_SYN_SENT) { /* the connect failed, or was given up */
		struct tcp_thread *t = owner_thread(c);
		int err = BPF_CORE_READ(sk, sk_err);

		c->closed_ns = bpf_ktime_get_ns();
		c->result = err ? err : -1;
		read_endpoints(sk, c);
		emit(c, REC_CONNECT);
		if (t)
			__sync_fetch_and_add(&t->connect_failures, 1);
		bpf_map_delete_elem(&conns, &key);
		return 0;
	}
	close_conn(sk, c);
	return 0;
}

/* A read or a write of this process (or a read at end of stream): bytes, and the owner of a connection not owned yet. */
static __always_inline int on_length(struct sock *sk, int ret, int flags, bool send)
{
	__u64 key = (__u64)sk;
	struct tcp_thread_key tk;
	struct tcp_thread *t;
	struct tcp_conn *c;

	if (ret < 0 || !own_process() || !sk || !is_tcp(sk))
		return 0;
	if (!send && (flags & MSG_PEEK))
		return 0;
	t = current_thread(&tk);
	c = bpf_map_lookup_elem(&conns, &key);
	if (!c) { /* opened before the probe attached, or accepted on a listener opened before */
		struct tcp_conn init = { .role = ROLE_FOUND };

		init.start_ns = bpf_ktime_get_ns();
		init.established_ns = init.start_ns;
		set_owner(&init, &tk, t);
		read_endpoints(sk, &init);
		c = new_conn(key, &init);
	} else if (!c->owner_tid) {
		set_owner(c, &tk, t);
		if (t && c->role == ROLE_SERVER)
			__sync_fetch_and_add(&t->accepts, 1);
	}
	if (c)
		sync_retransmits(sk, c);
	if (ret == 0) /* an end of stream read: a use that makes an owner, no bytes */
		return 0;
	if (c)
		__sync_fetch_and_add(send ? &c->bytes_sent : &c->bytes_received, ret);
	if (t)
		__sync_fetch_and_add(send ? &t->bytes_sent : &t->bytes_received, ret);
	return 0;
}

static __always_inline int on_retransmit(const struct sock *sk, int err)
{
	__u64 key = (__u64)sk;
	struct tcp_conn *c = bpf_map_lookup_elem(&conns, &key);

	if (!c)
		return 0;
	if (!err && BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_SYN_SENT) {
		__sync_fetch_and_add(&c->syn_retransmits, 1);
		read_endpoints(sk, c); /* the port is chosen by now */
	}
	sync_retransmits(sk, c); /* the count itself is the kernel's */
	return 0;
}

static __always_inline int on_reset(const struct sock *sk, bool sent)
{
	__u64 key = (__u64)sk;
	struct tcp_conn *c;

	if (!sk)
		return 0;
	c = bpf_map_lookup_elem(&conns, &key);
	if (!c)
		return 0;
	sync_retransmits(sk, c);
	if (sent) {
		__sync_fetch_and_add(&c->resets_sent, 1);
	} else {
		__sync_fetch_and_add(&c->resets_received, 1);
		read_endpoints(sk, c); /* before the kernel gives the local port back */
	}
	if (!c->closed_by)
		c->closed_by = sent ? CLOSED_LOCAL : CLOSED_REMOTE;
	return 0;
}

/*
 * The socket is freed: the connection's record, its entry deleted. Runs twice, from two programs
 * (as on_state, for a free in softirq nested in one in process context); the delete makes the
 * second a no-op.
 */
static __always_inline int on_destroy(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct tcp_conn *c = bpf_map_lookup_elem(&conns, &key);

	if (!c)
		return 0;
	close_conn(sk, c); /* a no-op if its CLOSE was seen */
	emit(c, REC_CLOSE);
	bpf_map_delete_elem(&conns, &key);
	return 0;
}

static __always_inline int on_exit(struct task_struct *p)
{
	struct tcp_thread_key key = {};
	struct tcp_thread *t;

	if (BPF_CORE_READ(p, tgid) != config.target_tgid)
		return 0;
	key.tid = BPF_CORE_READ(p, pid);
	key.start_ns = BPF_CORE_READ(p, start_time);
	t = bpf_map_lookup_elem(&threads, &key);
	if (t)
		t->exited = 1;
	return 0;
}

#define TCP_PROGS(kind, sec)                                                                       \
	SEC(sec "/inet_sock_set_state")                                                            \
	int BPF_PROG(inet_sock_set_state_##kind, const struct sock *sk, int oldstate, int newstate)\
	{                                                                                          \
		return on_state(sk, oldstate, newstate, false);                                    \
	}                                                                                          \
	SEC(sec "/inet_sock_set_state")                                                            \
	int BPF_PROG(inet_sock_set_state_again_##kind, const struct sock *sk, int oldstate,        \
		     int newstate)                                                                 \
	{                                                                                          \
		return on_state(sk, oldstate, newstate, true);                                     \
	}                                                                                          \
	SEC(sec "/sock_send_length")                                                               \
	int BPF_PROG(sock_send_length_##kind, struct sock *sk, int ret, int flags)                 \
	{                                                                                          \
		return on_length(sk, ret, flags, true);                                            \
	}                                                                                          \
	SEC(sec "/sock_recv_length")                                                               \
	int BPF_PROG(sock_recv_length_##kind, struct sock *sk, int ret, int flags)                 \
	{                                                                                          \
		return on_length(sk, ret, flags, false);                                           \
	}                                                                                          \
	SEC(sec "/tcp_retransmit_skb")                                                             \
	int BPF_PROG(tcp_retransmit_skb_##kind, const struct sock *sk, const struct sk_buff *skb,  \
		     int err)                                                                      \
	{                                                                                          \
		return on_retransmit(sk, err);                                                \
	}                                                                                          \
	SEC(sec "/tcp_send_reset")                                                                 \
	int BPF_PROG(tcp_send_reset_##kind, const struct sock *sk)                                 \
	{                                                                                          \
		return on_reset(sk, true);                                                         \
	}                                                                                          \
	SEC(sec "/tcp_receive_reset")                                                              \
	int BPF_PROG(tcp_receive_reset_##kind, const struct sock *sk)                              \
	{                                                                                          \
		return on_reset(sk, false);                                                        \
	}                                                                                          \
	SEC(sec "/tcp_destroy_sock")                                                               \
	int BPF_PROG(tcp_destroy_sock_##kind, const struct sock *sk)                               \
	{                                                                                          \
		return on_destroy(sk);                                                             \
	}                                                                                          \
	SEC(sec "/tcp_destroy_sock")                                                               \
	int BPF_PROG(tcp_destroy_sock_again_##kind, const struct sock *sk)                         \
	{                                                                                          \
		return on_destroy(sk);                                                             \
	}                                                                                          \
	SEC(sec "/sched_process_exit")                                                             \
	int BPF_PROG(sched_process_exit_##kind, struct task_struct *p)                             \
	{                                                                                          \
		return on_exit(p);                                                                 \
	}

TCP_PROGS(btf, "tp_btf")
TCP_PROGS(raw, "raw_tp")

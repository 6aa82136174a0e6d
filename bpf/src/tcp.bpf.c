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
 * (`listeners`, keyed by network namespace and port). One open before the probe attached is found
 * right after the attach by a socket iterator the agent runs once (find_open_btf, at the end), or
 * where that is refused, at its first read or write.
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
#define BPF_MAP_TYPE_PERCPU_ARRAY 6
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

/*
 * Records submitted to the ring buffer, per CPU: a counter every record of both CPUs wrote
 * would move its cache line between them at each record. The agent sums it only to check, at
 * trace level, that every record was read or counted lost.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} submitted SEC(".maps");

static __always_inline void count_submitted(void)
{
	__u32 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&submitted, &zero);

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

/*
 * The inode numbers of this process's open connections (/proc/PID/fd's socket:[N]), written by
 * the agent just before it runs find_open once, at attach: which of the namespace's connections
 * are ours. find_open deletes each it finds, so the map is empty after (but for a connection that
 * closed in between).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u8);
} own_sockets SEC(".maps");

/* Whether a bpf_get_current_pid_tgid() value is a thread of this process. */
static __always_inline bool own_id(__u64 pid_tgid)
{
	return (pid_tgid >> 32) == config.target_tgid;
}

static __always_inline bool own_process(void)
{
	return own_id(bpf_get_current_pid_tgid());
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

/* Makes the calling thread's entry in `threads` (its first use of TCP since the probe attached). */
static __always_inline struct tcp_thread *new_thread(struct tcp_thread_key *key, struct task_struct *task)
{
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
	count_submitted();
}

/*
 * Marks a thread's exit record. Taking the record by pointer puts struct tcp_thread_exit into the
 * object's BTF, where the agent finds its layout; a thread's exit is rare enough for the call.
 */
static __noinline void stamp_thread_exit(struct tcp_thread_exit *r)
{
	r->kind = REC_THREAD_EXIT;
	r->exited_ns = bpf_ktime_get_ns();
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
 * The state changes on_state acts on: a connect starts or ends, a listener opens or closes, a
 * child of a listener is made, a side sends the first FIN, a socket closes. The others (FIN_WAIT1
 * -> FIN_WAIT2, CLOSE_WAIT -> LAST_ACK, SYN_RECV -> ESTABLISHED, ...), about half of a
 * connection's, return before anything is looked up.
 */
static __always_inline bool state_matters(int oldstate, int newstate)
{
	return newstate == TCP_CLOSE || newstate == TCP_LISTEN || oldstate == TCP_LISTEN || newstate == TCP_SYN_SENT ||
	       oldstate == TCP_SYN_SENT ||
	       (oldstate == TCP_ESTABLISHED && (newstate == TCP_FIN_WAIT1 || newstate == TCP_CLOSE_WAIT));
}

/*
 * What the first program of a pair (state change, socket free) last did on this CPU, so that
 * the second, which exists for the changes the kernel kept from the first, passes over the ones
 * it did not keep at the cost of a per-CPU load instead of a hash lookup. `busy` is set while the
 * first program runs: a change that comes then is nested in it, and skipped by the kernel for
 * the first program; the second handles it in full. Otherwise the second passes over the change
 * the first finished last. Anything else (a change that came in the few instructions before the
 * first program set `busy` or after it cleared it) gets the second's full, idempotent handling.
 */
struct first_seen {
	__u64 sk;
	__u32 change; /* oldstate << 8 | newstate, or SEEN_FREE */
	__u32 busy;
};

enum { FIRST_STATE = 0, FIRST_DESTROY = 1 };
#define SEEN_FREE 0xffff

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct first_seen);
} first_seen SEC(".maps");

static __always_inline struct first_seen *first_begins(__u32 pair)
{
	struct first_seen *s = bpf_map_lookup_elem(&first_seen, &pair);

	if (s)
		s->busy = 1;
	return s;
}

static __always_inline void first_ends(struct first_seen *s, const struct sock *sk, __u32 change)
{
	if (s) {
		s->sk = (__u64)sk;
		s->change = change;
		s->busy = 0;
	}
}

static __always_inline bool done_by_first(__u32 pair, const struct sock *sk, __u32 change)
{
	struct first_seen *s = bpf_map_lookup_elem(&first_seen, &pair);

	return s && !s->busy && s->sk == (__u64)sk && s->change == change;
}

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define FN(name) CAT(name, KIND)

#define KIND btf
#define RD(p, f) ((p)->f)
#define RD_INTO(dst, p, f) __builtin_memcpy((dst), &(p)->f, sizeof(dst))
#define CURRENT_TASK() bpf_get_current_task_btf()
#define TCP_SOCK(sk) bpf_skc_to_tcp_sock((void *)(sk))
#define NETNS(sk) ((sk)->__sk_common.skc_net.net->ns.inum)
#include "tcp_logic.h"
#undef KIND
#undef RD
#undef RD_INTO
#undef CURRENT_TASK
#undef TCP_SOCK
#undef NETNS

#define KIND raw
#define RD(p, f) BPF_CORE_READ(p, f)
#define RD_INTO(dst, p, f) BPF_CORE_READ_INTO(&(dst), p, f)
#define CURRENT_TASK() ((struct task_struct *)bpf_get_current_task())
#define TCP_SOCK(sk) ((const struct tcp_sock *)(sk))
#define NETNS(sk) BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum)
#include "tcp_logic.h"
#undef KIND
#undef RD
#undef RD_INTO
#undef CURRENT_TASK
#undef TCP_SOCK
#undef NETNS

#define CHANGE(oldstate, newstate) ((__u32)(oldstate) << 8 | (__u32)(newstate))

#define TCP_PROGS(kind, sec)                                                                       \
	SEC(sec "/inet_sock_set_state")                                                            \
	int BPF_PROG(inet_sock_set_state_##kind, const struct sock *sk, int oldstate, int newstate)\
	{                                                                                          \
		struct first_seen *s;                                                              \
                                                                                                   \
		if (!sk || !state_matters(oldstate, newstate))                                     \
			return 0;                                                                  \
		s = first_begins(FIRST_STATE);                                                     \
		CAT(on_state, kind)(sk, oldstate, newstate, false);                                \
		first_ends(s, sk, CHANGE(oldstate, newstate));                                     \
		return 0;                                                                          \
	}                                                                                          \
	SEC(sec "/inet_sock_set_state")                                                            \
	int BPF_PROG(inet_sock_set_state_again_##kind, const struct sock *sk, int oldstate,        \
		     int newstate)                                                                 \
	{                                                                                          \
		if (!sk || !state_matters(oldstate, newstate) ||                                   \
		    done_by_first(FIRST_STATE, sk, CHANGE(oldstate, newstate)))                    \
			return 0;                                                                  \
		return CAT(on_state, kind)(sk, oldstate, newstate, true);                          \
	}                                                                                          \
	SEC(sec "/sock_send_length")                                                               \
	int BPF_PROG(sock_send_length_##kind, struct sock *sk, int ret, int flags)                 \
	{                                                                                          \
		return CAT(on_length, kind)(sk, ret, flags, true);                                 \
	}                                                                                          \
	SEC(sec "/sock_recv_length")                                                               \
	int BPF_PROG(sock_recv_length_##kind, struct sock *sk, int ret, int flags)                 \
	{                                                                                          \
		return CAT(on_length, kind)(sk, ret, flags, false);                                \
	}                                                                                          \
	SEC(sec "/tcp_retransmit_skb")                                                             \
	int BPF_PROG(tcp_retransmit_skb_##kind, const struct sock *sk, const struct sk_buff *skb,  \
		     int err)                                                                      \
	{                                                                                          \
		return sk ? CAT(on_retransmit, kind)(sk, err) : 0;                                 \
	}                                                                                          \
	SEC(sec "/tcp_send_reset")                                                                 \
	int BPF_PROG(tcp_send_reset_##kind, const struct sock *sk)                                 \
	{                                                                                          \
		return CAT(on_reset, kind)(sk, true);                                              \
	}                                                                                          \
	SEC(sec "/tcp_receive_reset")                                                              \
	int BPF_PROG(tcp_receive_reset_##kind, const struct sock *sk)                              \
	{                                                                                          \
		return CAT(on_reset, kind)(sk, false);                                             \
	}                                                                                          \
	SEC(sec "/tcp_destroy_sock")                                                               \
	int BPF_PROG(tcp_destroy_sock_##kind, const struct sock *sk)                               \
	{                                                                                          \
		struct first_seen *s;                                                              \
                                                                                                   \
		if (!sk)                                                                           \
			return 0;                                                                  \
		s = first_begins(FIRST_DESTROY);                                                   \
		CAT(on_destroy, kind)(sk);                                                         \
		first_ends(s, sk, SEEN_FREE);                                                      \
		return 0;                                                                          \
	}                                                                                          \
	SEC(sec "/tcp_destroy_sock")                                                               \
	int BPF_PROG(tcp_destroy_sock_again_##kind, const struct sock *sk)                         \
	{                                                                                          \
		if (!sk || done_by_first(FIRST_DESTROY, sk, SEEN_FREE))                            \
			return 0;                                                                  \
		return CAT(on_destroy, kind)(sk);                                                  \
	}                                                                                          \
	SEC(sec "/sched_process_exit")                                                             \
	int BPF_PROG(sched_process_exit_##kind, struct task_struct *p)                             \
	{                                                                                          \
		return CAT(on_exit, kind)(p);                                                      \
	}

TCP_PROGS(btf, "tp_btf")
TCP_PROGS(raw, "raw_tp")

#define TCP_FIN_WAIT2 5
#define TCP_LAST_ACK 9
#define TCP_CLOSING 11

/*
 * Connections this process had open when the probe attached, found once by the agent iterating
 * the network namespace's TCP sockets right after the attach (tp_btf flavour only: an iterator
 * needs BTF too): a full socket past its handshake whose inode the agent wrote to own_sockets gets
 * its conns entry, role found, start now, owner unknown until a thread reads or writes it. From
 * then on it is every other connection: a chunk's end reports it open, its close its figures.
 * A connection the tracepoints met first (a read or write in between) keeps its entry. Listening
 * sockets are the agent's to add (listeners), and a connect still in its handshake is left out:
 * what it does from here is not a connect of this probe's.
 */
SEC("iter/tcp")
int find_open_btf(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;
	const struct sock *sk;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0; /* a request or TIME_WAIT socket */
	sk = (const struct sock *)tp;
	__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);

	if (state != TCP_ESTABLISHED && state != TCP_FIN_WAIT1 && state != TCP_FIN_WAIT2 && state != TCP_CLOSE_WAIT &&
	    state != TCP_LAST_ACK && state != TCP_CLOSING)
		return 0;
	struct socket_alloc *file_side = (struct socket_alloc *)BPF_CORE_READ(sk, sk_socket);

	if (!file_side)
		return 0;
	__u64 inode = BPF_CORE_READ(file_side, vfs_inode.i_ino);

	if (bpf_map_delete_elem(&own_sockets, &inode))
		return 0; /* not ours */
	__u64 key = (__u64)sk;
	struct tcp_conn init = { .role = ROLE_FOUND };

	init.start_ns = bpf_ktime_get_ns();
	init.established_ns = init.start_ns;
	read_endpoints_raw(sk, &init);
	if (state == TCP_CLOSE_WAIT || state == TCP_LAST_ACK)
		init.closed_by = CLOSED_REMOTE;
	else if (state != TCP_ESTABLISHED)
		init.closed_by = CLOSED_LOCAL;
	if (bpf_map_update_elem(&conns, &key, &init, BPF_NOEXIST) == -E2BIG)
		count(CNT_CONNS_FULL);
	return 0;
}

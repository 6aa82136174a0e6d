/*
 * The TCP probe's logic, included twice by tcp.bpf.c: once with KIND btf, RD() a direct load and
 * TCP_SOCK() the kernel's checked cast (tp_btf programs get BTF-typed socket and task pointers),
 * once with KIND raw and both through bpf_probe_read_kernel (raw_tp). Both are relocated by
 * CO-RE. The direct loads matter: the programs run for every TCP state change and every socket
 * read and write on the machine, and a helper call per field read was most of their cost
 * (performance.md, "The TCP probe").
 */

static __always_inline bool FN(is_tcp)(const struct sock *sk)
{
	return RD(sk, sk_protocol) == IPPROTO_TCP && RD(sk, sk_type) == SOCK_STREAM;
}

/* Endpoints as the socket has them now; a port that reads 0 keeps the last value seen. */
static __always_inline void FN(read_endpoints)(const struct sock *sk, struct tcp_conn *c)
{
	__u16 family = RD(sk, __sk_common.skc_family);
	__u16 lport = RD(sk, __sk_common.skc_num);
	__u16 rport = __builtin_bswap16(RD(sk, __sk_common.skc_dport));

	c->family = family;
	if (family == AF_INET6) {
		RD_INTO(c->local_addr, sk, __sk_common.skc_v6_rcv_saddr);
		RD_INTO(c->remote_addr, sk, __sk_common.skc_v6_daddr);
	} else {
		*(__u32 *)c->local_addr = RD(sk, __sk_common.skc_rcv_saddr);
		*(__u32 *)c->remote_addr = RD(sk, __sk_common.skc_daddr);
	}
	if (lport)
		c->local_port = lport;
	if (rport)
		c->remote_port = rport;
}

/* The calling thread's entry in `threads` (tid: the low half of its pid_tgid), created if needed. */
static __always_inline struct tcp_thread *FN(current_thread)(struct tcp_thread_key *key, __u32 tid)
{
	struct task_struct *task = CURRENT_TASK();
	struct tcp_thread *t;

	key->tid = tid;
	key->pad = 0;
	key->start_ns = RD(task, start_time);
	t = bpf_map_lookup_elem(&threads, key);
	if (t)
		return t;
	return new_thread(key, (struct task_struct *)task);
}

/*
 * Catches the connection's retransmits up with the kernel's own count (tcp_sock.total_retrans),
 * the delta going to the owner thread too. Called wherever the connection is seen: the
 * retransmit tracepoint does not see every retransmit (a tail loss probe resends without it).
 * The connection's figure is the kernel's, whoever writes it; two CPUs catching the same
 * connection up at the same instant could both add the delta to the thread (compare-and-swap
 * would need Linux 5.12), which the tests have not seen.
 */
static __always_inline void FN(sync_retransmits)(const struct sock *sk, struct tcp_conn *c)
{
	const struct tcp_sock *tp = TCP_SOCK(sk);
	__u32 total = tp ? RD(tp, total_retrans) : 0;
	__u32 seen = c->retransmits;

	if (total > seen) {
		struct tcp_thread *t = owner_thread(c);

		c->retransmits = total;
		if (t)
			__sync_fetch_and_add(&t->retransmits, total - seen);
	}
}

/*
 * The connection reached CLOSE: its end, smoothed RTT and retransmits are final. Its record waits
 * for the socket to be freed (on_destroy): data the peer sent before closing may still be read by
 * the application from the receive queue, and those bytes are the connection's.
 */
static __always_inline void FN(close_conn)(const struct sock *sk, struct tcp_conn *c)
{
	const struct tcp_sock *tp = TCP_SOCK(sk);

	if (c->closed_ns)
		return; /* seen by the first program */
	c->srtt_us = tp ? RD(tp, srtt_us) >> 3 : 0;
	FN(sync_retransmits)(sk, c);
	FN(read_endpoints)(sk, c);
	c->closed_ns = bpf_ktime_get_ns();
}

/*
 * A state change that creates, finishes or ends a connection of this process, or says who closed
 * it. Runs twice per change, from two programs attached in turn (`again` the second): the kernel
 * skips a program that is already running on the CPU, and a change in softirq (a handshake's end,
 * a close) can come on the exit of an interrupt taken while the first program was running for a
 * change in process context; the second program then sees it (state_seen in tcp.bpf.c lets it
 * pass over what the first did). So every step is idempotent: made or emitted once, whichever
 * program gets there first. Changes only ever made in process context (connect(), listen())
 * cannot nest, and are the first program's alone.
 */
static __always_inline int FN(on_state)(const struct sock *sk, int oldstate, int newstate, bool again)
{
	__u64 key = (__u64)sk;
	struct tcp_conn *c;

	if (!FN(is_tcp)(sk))
		return 0;

	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		__u64 id = bpf_get_current_pid_tgid();

		if (again || !own_id(id))
			return 0;
		struct tcp_thread_key tk;
		struct tcp_thread *t = FN(current_thread)(&tk, (__u32)id);
		struct tcp_conn init = { .start_ns = bpf_ktime_get_ns(), .role = ROLE_CLIENT };

		set_owner(&init, &tk, t);
		FN(read_endpoints)(sk, &init);
		new_conn(key, &init);
		return 0;
	}
	if (newstate == TCP_LISTEN) {
		if (again || !own_process())
			return 0;
		struct tcp_listen_key lk = { .netns = NETNS(sk), .port = RD(sk, __sk_common.skc_num) };

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
		struct tcp_listen_key lk = { .netns = NETNS(sk), .port = RD(sk, __sk_common.skc_num) };
		__u64 *listener = bpf_map_lookup_elem(&listeners, &lk);

		if (!listener)
			return 0;
		if (*listener == 0 && newstate == TCP_CLOSE) {
			/* one the agent found open at attach (its address unknown) closes, its port still set */
			bpf_map_delete_elem(&listeners, &lk);
			return 0;
		}
		if (newstate == TCP_SYN_RECV) {
			/*
			 * A child of our listener: the handshake's last ACK came (the kernel makes the
			 * child then), so it is established now too; its SYN_RECV -> ESTABLISHED that
			 * follows is passed over.
			 */
			struct tcp_conn init = { .role = ROLE_SERVER };

			if (again && bpf_map_lookup_elem(&conns, &key))
				return 0; /* made by the first program */
			init.start_ns = bpf_ktime_get_ns();
			init.established_ns = init.start_ns;
			FN(read_endpoints)(sk, &init);
			new_conn(key, &init);
		}
		return 0;
	}

	c = bpf_map_lookup_elem(&conns, &key);
	if (!c)
		return 0;
	if (newstate == TCP_ESTABLISHED) { /* from SYN_SENT: state_matters() lets no other through */
		if (c->established_ns)
			return 0; /* seen by the first program */
		c->established_ns = bpf_ktime_get_ns();
		FN(read_endpoints)(sk, c);
		struct tcp_thread *t = owner_thread(c);

		c->result = 0;
		emit(c, REC_CONNECT);
		if (t)
			__sync_fetch_and_add(&t->connects, 1);
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
		int err = RD(sk, sk_err);

		c->closed_ns = bpf_ktime_get_ns();
		c->result = err ? err : -1;
		FN(read_endpoints)(sk, c);
		emit(c, REC_CONNECT);
		if (t)
			__sync_fetch_and_add(&t->connect_failures, 1);
		bpf_map_delete_elem(&conns, &key);
		return 0;
	}
	FN(close_conn)(sk, c);
	return 0;
}

/*
 * A read or a write of this process (or a read at end of stream): bytes, and the owner of a
 * connection not owned yet. The thread's byte counts are added without a locked instruction: only
 * the thread itself writes them, and a program runs on one CPU to its end. The connection's are
 * atomic: threads may share a socket.
 */
static __always_inline int FN(on_length)(struct sock *sk, int ret, int flags, bool send)
{
	__u64 key = (__u64)sk;
	__u64 id = bpf_get_current_pid_tgid();
	struct tcp_thread_key tk;
	struct tcp_thread *t;
	struct tcp_conn *c;

	if (ret < 0 || !own_id(id) || !sk || !FN(is_tcp)(sk))
		return 0;
	if (!send && (flags & MSG_PEEK))
		return 0;
	t = FN(current_thread)(&tk, (__u32)id);
	c = bpf_map_lookup_elem(&conns, &key);
	if (!c) { /* opened before the probe attached, or accepted on a listener opened before */
		struct tcp_conn init = { .role = ROLE_FOUND };

		init.start_ns = bpf_ktime_get_ns();
		init.established_ns = init.start_ns;
		set_owner(&init, &tk, t);
		FN(read_endpoints)(sk, &init);
		/* Not over an entry the attach's socket iterator made meanwhile: that one is taken over. */
		if (bpf_map_update_elem(&conns, &key, &init, BPF_NOEXIST) == -E2BIG)
			count(CNT_CONNS_FULL);
		c = bpf_map_lookup_elem(&conns, &key);
		if (c && !c->owner_tid)
			set_owner(c, &tk, t);
	} else if (!c->owner_tid) {
		set_owner(c, &tk, t);
		if (t && c->role == ROLE_SERVER)
			__sync_fetch_and_add(&t->accepts, 1);
	}
	if (c)
		FN(sync_retransmits)(sk, c);
	if (ret == 0) /* an end of stream read: a use that makes an owner, no bytes */
		return 0;
	if (c)
		__sync_fetch_and_add(send ? &c->bytes_sent : &c->bytes_received, ret);
	if (t && send)
		t->bytes_sent += ret;
	else if (t)
		t->bytes_received += ret;
	return 0;
}

static __always_inline int FN(on_retransmit)(const struct sock *sk, int err)
{
	__u64 key = (__u64)sk;
	struct tcp_conn *c = bpf_map_lookup_elem(&conns, &key);

	if (!c)
		return 0;
	if (!err && RD(sk, __sk_common.skc_state) == TCP_SYN_SENT) {
		__sync_fetch_and_add(&c->syn_retransmits, 1);
		FN(read_endpoints)(sk, c); /* the port is chosen by now */
	}
	FN(sync_retransmits)(sk, c); /* the count itself is the kernel's */
	return 0;
}

static __always_inline int FN(on_reset)(const struct sock *sk, bool sent)
{
	__u64 key = (__u64)sk;
	struct tcp_conn *c;

	if (!sk)
		return 0;
	c = bpf_map_lookup_elem(&conns, &key);
	if (!c)
		return 0;
	FN(sync_retransmits)(sk, c);
	if (sent) {
		__sync_fetch_and_add(&c->resets_sent, 1);
	} else {
		__sync_fetch_and_add(&c->resets_received, 1);
		FN(read_endpoints)(sk, c); /* before the kernel gives the local port back */
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
static __always_inline int FN(on_destroy)(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct tcp_conn *c = bpf_map_lookup_elem(&conns, &key);

	if (!c)
		return 0;
	FN(close_conn)(sk, c); /* a no-op if its CLOSE was seen */
	emit(c, REC_CLOSE);
	bpf_map_delete_elem(&conns, &key);
	return 0;
}

/*
 * A thread of this process exits: its final figures go to the agent in a record and its entry is
 * deleted before the record is submitted, so the agent, which drains the ring before it reads the
 * hash, never sees the thread twice. With the ring full the entry is only marked: the agent
 * reports it from the hash and deletes it.
 */
static __always_inline int FN(on_exit)(struct task_struct *p)
{
	struct tcp_thread_key key = {};
	struct tcp_thread *t;
	struct tcp_thread_exit *r;

	if (RD(p, tgid) != config.target_tgid)
		return 0;
	key.tid = RD(p, pid);
	key.start_ns = RD(p, start_time);
	t = bpf_map_lookup_elem(&threads, &key);
	if (!t)
		return 0;
	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r) {
		count(CNT_RECORDS_LOST);
		t->exited = 1;
		return 0;
	}
	stamp_thread_exit(r);
	r->start_ns = key.start_ns;
	r->tid = key.tid;
	r->ns_tid = t->ns_tid;
	r->bytes_sent = t->bytes_sent;
	r->bytes_received = t->bytes_received;
	r->connects = t->connects;
	r->connect_failures = t->connect_failures;
	r->accepts = t->accepts;
	r->retransmits = t->retransmits;
	__builtin_memcpy(r->comm, t->comm, sizeof(r->comm));
	bpf_map_delete_elem(&threads, &key);
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	count_submitted();
	return 0;
}

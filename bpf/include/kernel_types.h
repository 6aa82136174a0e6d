/*
 * The few kernel types the probes read, declared by hand instead of a generated
 * 100k-line vmlinux.h. Every struct is marked preserve_access_index, so field
 * offsets are relocated by libbpf (CO-RE) against the running kernel's BTF:
 * only the field names and types must match the kernel, not the layout.
 */
#ifndef EBPF_AGENT_KERNEL_TYPES_H
#define EBPF_AGENT_KERNEL_TYPES_H

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_STACK = 23,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
};

#define BPF_F_NO_PREALLOC (1U << 0)
#define BPF_F_MMAPABLE (1U << 10)
#define BPF_LOCAL_STORAGE_GET_F_CREATE 1

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
};

#define PF_EXITING 0x00000004 /* set by exit_signals() before sched_process_exit fires */
#define E2BIG 7
#define EEXIST 17
#define TASK_INTERRUPTIBLE 0x1
#define TASK_UNINTERRUPTIBLE 0x2

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct upid {
	int nr;
	struct pid_namespace *ns;
};

struct pid {
	unsigned int level; /* depth of the PID namespace the pid was allocated in */
	struct upid numbers[1];
};

struct thread_info {
	__u32 cpu; /* 5.16+: the CPU the task is on; older kernels keep it in task_struct.cpu */
};

struct rq {
	__u64 clock; /* sched_clock of this CPU, updated under the run-queue lock before each event */
};

struct cfs_rq {
	struct rq *rq; /* CONFIG_FAIR_GROUP_SCHED only */
};

struct sched_entity {
	__u64 sum_exec_runtime; /* the scheduler's own account of the task's CPU time, ns */
	struct cfs_rq *cfs_rq;  /* CONFIG_FAIR_GROUP_SCHED only: the run queue of the task's CPU */
	__u64 nr_migrations;    /* moves to another CPU, counted by set_task_cpu() */
};

/* CONFIG_SCHED_INFO (what /proc/PID/task/TID/schedstat reads) */
struct sched_info {
	unsigned long long last_arrival; /* rq_clock() at the task's last switch-in */
};

struct task_struct {
	struct thread_info thread_info;
	struct sched_entity se;
	struct sched_info sched_info;
	unsigned int cpu;
	int on_cpu;           /* CONFIG_SMP: the task is running on a CPU, or being switched */
	unsigned int __state; /* 5.14+; older kernels call it state, see task_struct___pre514 */
	unsigned int flags;
	int pid;  /* thread id in the root PID namespace */
	int tgid; /* process id in the root PID namespace */
	struct pid *thread_pid;
	unsigned long nvcsw;
	unsigned long nivcsw;
	char comm[16]; /* the OS thread name; HotSpot sets it from the Java name when a thread starts */
	__u64 start_time; /* 5.5+: CLOCK_MONOTONIC ns at the task's creation */
};

/* x86-64: the user registers saved at kernel entry, at the top of the task's kernel stack. */
struct pt_regs {
	unsigned long cx;
	unsigned long orig_ax; /* the syscall number on syscall entry; an error code or ~vector otherwise */
	unsigned long ip;
};

struct in6_addr {
	__u8 s6_addr[16];
};

struct ns_common {
	unsigned int inum; /* the namespace's inode number, as /proc/PID/ns/net shows it */
};

struct net {
	struct ns_common ns;
};

typedef struct {
	struct net *net;
} possible_net_t;

/* Members of anonymous unions in the kernel's struct; CO-RE finds them by name. */
struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport; /* network byte order */
	__u16 skc_num;    /* the local port, host byte order; 0 once the port is given back */
	unsigned short skc_family;
	volatile unsigned char skc_state;
	possible_net_t skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};

struct socket;

struct sock {
	struct sock_common __sk_common;
	struct socket *sk_socket; /* the socket's file side; NULL once the process closed it */
	int sk_err;
	__u16 sk_protocol; /* 5.6+: a plain field (a bitfield before) */
	__u16 sk_type;
};

/* struct tcp_sock begins with the struct sock: a struct sock * of a TCP socket points at one. */
struct tcp_sock {
	__u32 srtt_us;       /* smoothed RTT in microseconds, times 8 */
	__u32 total_retrans; /* segments retransmitted over the connection's life */
};

struct sk_buff; /* only passed along */

/* A socket's file side and its inode, allocated together (net/socket.c): the inode number is
 * what /proc/PID/fd shows as socket:[N]. */
struct socket {
	short type;
};

struct inode {
	unsigned long i_ino;
};

struct socket_alloc {
	struct socket socket;
	struct inode vfs_inode;
};

/* The context of an iter/tcp program: one socket of the iterating process's network namespace. */
struct bpf_iter_meta;

struct bpf_iter__tcp {
	struct bpf_iter_meta *meta;
	struct sock_common *sk_common;
	unsigned int uid;
};

/* The context of an iter/task program: one task of the process the iterator was made for. */
struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
};

struct task_struct___pre514 {
	long state;
};

#pragma clang attribute pop

#endif

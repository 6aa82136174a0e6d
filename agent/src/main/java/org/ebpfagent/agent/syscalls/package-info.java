/**
 * The syscall probe ({@code bpf/src/syscalls.bpf.c}): per thread of this JVM and syscall, calls,
 * errors by errno, restarts, time and latency quantiles, and every slow call, written as
 * {@code ebpf.ThreadSyscalls}, {@code ebpf.ThreadSyscallErrors} and {@code ebpf.SlowSyscall} events.
 */
package org.ebpfagent.agent.syscalls;

/**
 * The scheduler probe: loads {@code sched.bpf.o}, reads its per-thread map every poll and writes
 * {@code ebpf.ThreadScheduling} events.
 */
package org.ebpfagent.agent.sched;

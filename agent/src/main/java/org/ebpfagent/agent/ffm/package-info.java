/**
 * The only package that touches {@code java.lang.foreign}: libbpf and a few Linux calls, bound
 * over FFM, behind typed Java objects.
 *
 * <p>Ownership: a {@link org.ebpfagent.agent.ffm.BpfObject} owns the libbpf {@code bpf_object}
 * and, through it, every map and program file descriptor it created; a
 * {@link org.ebpfagent.agent.ffm.BpfLink} owns one attachment; a
 * {@link org.ebpfagent.agent.ffm.MapBatchReader} or {@link org.ebpfagent.agent.ffm.MapKeyIterator} owns the native buffers it reads into. Each is
 * closed by whoever created it, links before their object. None is thread-safe: each is used by one
 * thread at a time (the agent's poller), which is what lets the readers reuse their buffers.
 *
 * <p>Layouts: a {@link org.ebpfagent.agent.ffm.CStruct} names the members Java reads; binding a
 * map resolves it against the object's BTF into a {@link org.ebpfagent.agent.ffm.StructLayout},
 * read with a reusable {@link org.ebpfagent.agent.ffm.StructView} (no allocation) or, in one
 * line, into records ({@link org.ebpfagent.agent.ffm.BpfMap#entries}).
 */
package org.ebpfagent.agent.ffm;

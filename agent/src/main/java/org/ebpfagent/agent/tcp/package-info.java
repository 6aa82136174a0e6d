/**
 * The TCP probe ({@code tcp.bpf.c}): every TCP connection of this JVM on the Java thread that owns
 * it — connects, lifetime, exact payload bytes, retransmits, RTT, resets — as
 * {@code ebpf.TcpConnect}, {@code ebpf.TcpConnection} and {@code ebpf.ThreadTcp} events.
 */
package org.ebpfagent.agent.tcp;

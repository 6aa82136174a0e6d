/**
 * The JFR events ebpf-agent writes: the public schema of its recordings.
 *
 * <p>Event names are stable ({@code ebpf.*}); fields carry raw units (nanoseconds, counts) with
 * JFR unit annotations so that {@code jfr print}, {@code jfr summary} and JDK Mission Control
 * format them. None of these events records a stack trace: it would be the agent's own.
 */
package org.ebpfagent.events;

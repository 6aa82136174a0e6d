/**
 * The agent's figures for exporters: cumulative counters and histograms per thread group (the
 * grouping {@code compare} uses), fed by the probes' recorders with the same per-thread deltas
 * their JFR events carry, and published by the poller after every poll as an immutable
 * {@link org.ebpfagent.agent.metrics.MetricsSnapshot} that exporters read without locks or map reads.
 *
 * <p>Exporter-neutral: a {@link org.ebpfagent.agent.metrics.Metric} has a dotted name without unit
 * or suffix ({@code sched.on_cpu}), a {@link org.ebpfagent.agent.metrics.Unit} for its raw values
 * (nanoseconds, bytes, a count) and a kind; each exporter names and scales it its own way. Each
 * probe declares its own {@link org.ebpfagent.agent.metrics.Table}s in its own package; nothing
 * here knows what a probe measures, except the agent's own health ({@code AgentFigures}).
 */
package org.ebpfagent.agent.metrics;

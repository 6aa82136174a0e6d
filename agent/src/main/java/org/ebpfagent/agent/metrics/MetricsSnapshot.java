package org.ebpfagent.agent.metrics;

import java.util.List;

/**
 * Every table's values as of the end of one poll, published by the poller; immutable.
 *
 * @param tables     in the order they were registered: the agent's health first, then each probe's
 * @param polls      polls done when it was taken (the same number as {@code ebpf.AgentStatistics} events)
 * @param startEpochNanos when the figures began to count (wall clock): the start of every cumulative value
 * @param epochNanos when it was taken (wall clock)
 */
public record MetricsSnapshot(List<TableSnapshot> tables, long polls, long startEpochNanos, long epochNanos) {
}

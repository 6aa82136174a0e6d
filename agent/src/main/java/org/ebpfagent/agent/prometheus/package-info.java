/**
 * The Prometheus endpoint ({@code metrics=PORT}): the standard Java client's HTTP exporter
 * (relocated in the agent jar) serving the figures the poller last published
 * ({@link org.ebpfagent.agent.metrics.MetricsSnapshot}), named the Prometheus way. A scrape runs
 * on the endpoint's own daemon threads, reads an immutable snapshot and nothing else.
 */
package org.ebpfagent.agent.prometheus;

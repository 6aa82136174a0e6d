/**
 * The OTLP exporter ({@code otlp=URL}): pushes the figures the poller publishes
 * ({@link org.ebpfagent.agent.metrics.MetricsSnapshot}) to an OpenTelemetry collector as OTLP/HTTP
 * metrics, through the OpenTelemetry SDK's data model and OTLP exporter over the JDK's HTTP client
 * (relocated in the agent jar). A push runs on the exporter's own daemon thread, reads an
 * immutable snapshot and nothing else; the poller only hands it over.
 */
package org.ebpfagent.agent.otlp;

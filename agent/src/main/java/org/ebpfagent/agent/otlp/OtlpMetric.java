package org.ebpfagent.agent.otlp;

import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.resources.Resource;

/**
 * One metric of a push, as the SDK's OTLP exporter takes it. The SDK builds its own from its
 * instruments; the agent's figures are already aggregated (cumulative sums, bucket counts), so
 * they are handed over as data, through the SDK's public interfaces, without instruments.
 */
record OtlpMetric(Resource getResource, InstrumentationScopeInfo getInstrumentationScopeInfo, String getName,
                  String getDescription, String getUnit, MetricDataType getType, Data<?> getData)
        implements MetricData {
}

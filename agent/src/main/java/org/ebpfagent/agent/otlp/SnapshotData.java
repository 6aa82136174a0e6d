package org.ebpfagent.agent.otlp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.resources.Resource;
import org.ebpfagent.agent.metrics.Metric;
import org.ebpfagent.agent.metrics.MetricsSnapshot;
import org.ebpfagent.agent.metrics.Table;
import org.ebpfagent.agent.metrics.TableSnapshot;
import org.ebpfagent.agent.metrics.Unit;

/**
 * Turns a published snapshot into the metrics of one push, on the push thread: every table, every
 * metric, one data point per row, all cumulative from when the figures began to count. Counters
 * are monotonic sums, gauges gauges, histograms explicit-bucket histograms with the model's own
 * bounds (OTLP's buckets are upper-inclusive, as the model's are). Times are seconds (doubles);
 * bytes and counts stay longs.
 *
 * <p>A row's attributes and a histogram's bounds never change, so they are made once and kept.
 * Not thread-safe: the push thread's.
 */
final class SnapshotData {
    private final Resource resource;
    private final InstrumentationScopeInfo scope;
    /** Per table, the attributes of each row, by row index (rows are only ever appended). */
    private final Map<Table, Attributes[]> attributes = new HashMap<>();
    private final Map<Metric, List<Double>> boundaries = new HashMap<>();
    private int points;

    SnapshotData(Resource resource, InstrumentationScopeInfo scope) {
        this.resource = resource;
        this.scope = scope;
    }

    /** The metrics of {@code snapshot}; tables without rows yet are left out. */
    List<MetricData> of(MetricsSnapshot snapshot) {
        List<MetricData> out = new ArrayList<>();
        points = 0;
        for (TableSnapshot t : snapshot.tables()) {
            if (t.size() == 0) {
                continue;
            }
            Attributes[] attrs = attributes(t);
            for (Metric m : t.table().metrics()) {
                out.add(metric(m, t, attrs, snapshot.startEpochNanos(), snapshot.epochNanos()));
                points += t.size();
            }
        }
        return out;
    }

    /** Data points in the last {@link #of}. */
    int points() {
        return points;
    }

    private MetricData metric(Metric m, TableSnapshot t, Attributes[] attrs, long start, long now) {
        boolean seconds = m.unit() == Unit.NANOSECONDS;
        int n = t.size();
        MetricDataType type;
        Data<?> data;
        switch (m.kind()) {
            case COUNTER, GAUGE -> {
                boolean counter = m.kind() == Metric.Kind.COUNTER;
                if (seconds) {
                    List<DoublePointData> ps = new ArrayList<>(n);
                    for (int row = 0; row < n; row++) {
                        ps.add(DoublePointData.create(start, now, attrs[row], OtlpNames.seconds(t.value(row, m)),
                                List.of()));
                    }
                    type = counter ? MetricDataType.DOUBLE_SUM : MetricDataType.DOUBLE_GAUGE;
                    data = counter ? SumData.createDoubleSumData(true, AggregationTemporality.CUMULATIVE, ps)
                            : GaugeData.createDoubleGaugeData(ps);
                } else {
                    List<LongPointData> ps = new ArrayList<>(n);
                    for (int row = 0; row < n; row++) {
                        ps.add(LongPointData.create(start, now, attrs[row], t.value(row, m)));
                    }
                    type = counter ? MetricDataType.LONG_SUM : MetricDataType.LONG_GAUGE;
                    data = counter ? SumData.createLongSumData(true, AggregationTemporality.CUMULATIVE, ps)
                            : GaugeData.createLongGaugeData(ps);
                }
            }
            case HISTOGRAM -> {
                List<Double> bounds = boundaries(m);
                List<HistogramPointData> ps = new ArrayList<>(n);
                for (int row = 0; row < n; row++) {
                    Long[] counts = new Long[m.buckets()];
                    for (int b = 0; b < counts.length; b++) {
                        counts[b] = t.bucket(row, m, b);
                    }
                    long sum = t.sum(row, m);
                    ps.add(HistogramPointData.create(start, now, attrs[row], seconds ? OtlpNames.seconds(sum) : sum,
                            false, 0, false, 0, bounds, Arrays.asList(counts)));
                }
                type = MetricDataType.HISTOGRAM;
                data = HistogramData.create(AggregationTemporality.CUMULATIVE, ps);
            }
            default -> throw new IllegalStateException("unknown kind " + m.kind());
        }
        return new OtlpMetric(resource, scope, OtlpNames.name(m), m.help(), OtlpNames.unit(m.unit()), type,
                data);
    }

    /** The attributes of every row of {@code t}, made for the rows new since the last push. */
    private Attributes[] attributes(TableSnapshot t) {
        Attributes[] known = attributes.get(t.table());
        int have = known == null ? 0 : known.length;
        if (have >= t.size()) {
            return known;
        }
        Attributes[] all = known == null ? new Attributes[t.size()] : Arrays.copyOf(known, t.size());
        List<String> labels = t.table().labels();
        String[] keys = new String[labels.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = OtlpNames.attribute(labels.get(i));
        }
        for (int row = have; row < t.size(); row++) {
            AttributesBuilder b = Attributes.builder();
            for (int i = 0; i < keys.length; i++) {
                b.put(keys[i], t.label(row, i));
            }
            all[row] = b.build();
        }
        attributes.put(t.table(), all);
        return all;
    }

    /** A histogram's explicit bounds: every bucket's inclusive upper bound but the last (+Inf), in the exported unit. */
    private List<Double> boundaries(Metric m) {
        return boundaries.computeIfAbsent(m, k -> {
            Double[] b = new Double[k.buckets() - 1];
            for (int i = 0; i < b.length; i++) {
                b[i] = k.unit() == Unit.NANOSECONDS ? OtlpNames.seconds(k.bound(i)) : (double) k.bound(i);
            }
            return List.of(b);
        });
    }
}

package org.ebpfagent.agent.prometheus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.ebpfagent.agent.metrics.Metric;
import org.ebpfagent.agent.metrics.Metrics;
import org.ebpfagent.agent.metrics.MetricsSnapshot;
import org.ebpfagent.agent.metrics.TableSnapshot;

/**
 * Turns the snapshot the poller last published into the client's metric snapshots, at each
 * scrape, on the scraping thread. One snapshot for every family: a scrape never mixes two polls.
 * It reads nothing else (no map, no lock the poller holds), so a scrape costs the poller nothing.
 */
final class SnapshotCollector implements MultiCollector {
    private final Metrics metrics;
    private final AtomicLong refused;
    /** Histogram bucket bounds in the base unit, per metric: the same at every scrape. */
    private final Map<Metric, double[]> bounds = new HashMap<>();

    /** @param refused scrapes the endpoint refused because its threads were busy */
    SnapshotCollector(Metrics metrics, AtomicLong refused) {
        this.metrics = metrics;
        this.refused = refused;
    }

    @Override
    public MetricSnapshots collect() {
        MetricsSnapshot snapshot = metrics.latest();
        List<MetricSnapshot> out = new ArrayList<>();
        for (TableSnapshot t : snapshot.tables()) {
            String[] names = t.table().labels().toArray(String[]::new);
            Labels[] labels = new Labels[t.size()];
            for (int row = 0; row < t.size(); row++) {
                String[] values = new String[names.length];
                for (int i = 0; i < names.length; i++) {
                    values[i] = t.label(row, i);
                }
                labels[row] = Labels.of(names, values);
            }
            for (Metric m : t.table().metrics()) {
                out.add(switch (m.kind()) {
                    case COUNTER -> counter(t, m, labels);
                    case GAUGE -> gauge(t, m, labels);
                    case HISTOGRAM -> histogram(t, m, labels);
                });
            }
        }
        out.add(CounterSnapshot.builder().name("ebpf_prometheus_scrapes_refused")
                .help("Scrapes refused (connection closed) because both of the endpoint's threads were busy")
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(refused.get()).build()).build());
        return new MetricSnapshots(out);
    }

    private static CounterSnapshot counter(TableSnapshot t, Metric m, Labels[] labels) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(PrometheusNames.name(m)).help(m.help())
                .unit(PrometheusNames.unit(m.unit()));
        for (int row = 0; row < t.size(); row++) {
            b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels[row])
                    .value(PrometheusNames.base(m.unit(), t.value(row, m))).build());
        }
        return b.build();
    }

    private static GaugeSnapshot gauge(TableSnapshot t, Metric m, Labels[] labels) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(PrometheusNames.name(m)).help(m.help())
                .unit(PrometheusNames.unit(m.unit()));
        for (int row = 0; row < t.size(); row++) {
            b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels[row])
                    .value(PrometheusNames.base(m.unit(), t.value(row, m))).build());
        }
        return b.build();
    }

    private HistogramSnapshot histogram(TableSnapshot t, Metric m, Labels[] labels) {
        double[] upper = bounds(m);
        HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(PrometheusNames.name(m)).help(m.help())
                .unit(PrometheusNames.unit(m.unit()));
        for (int row = 0; row < t.size(); row++) {
            long[] counts = new long[upper.length];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = t.bucket(row, m, i);
            }
            b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels[row])
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(upper, counts))
                    .sum(PrometheusNames.base(m.unit(), t.sum(row, m))).build());
        }
        return b.build();
    }

    private synchronized double[] bounds(Metric m) {
        return bounds.computeIfAbsent(m, k -> {
            double[] upper = new double[k.buckets()];
            for (int i = 0; i < upper.length; i++) {
                upper[i] = k.bound(i) == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : PrometheusNames.base(k.unit(), k.bound(i));
            }
            return upper;
        });
    }
}

package org.ebpfagent.agent.otlp;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.resources.Resource;
import org.ebpfagent.agent.metrics.Log2Buckets;
import org.ebpfagent.agent.metrics.Metric;
import org.ebpfagent.agent.metrics.Metrics;
import org.ebpfagent.agent.metrics.MetricsSnapshot;
import org.ebpfagent.agent.metrics.Row;
import org.ebpfagent.agent.metrics.Table;
import org.ebpfagent.agent.metrics.ThreadRow;
import org.ebpfagent.agent.metrics.Unit;
import org.ebpfagent.agent.probe.PollStats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The conversion of a published snapshot into OTLP metric data, with figures written as the recorders write them. */
class SnapshotDataTest {
    static final Table THREADS = Table.perThreadGroup("otlpdemo");
    static final Metric TIME = THREADS.counter("otlpdemo.time", Unit.NANOSECONDS, "Time");
    static final Metric SENT = THREADS.counter("otlpdemo.sent", Unit.BYTES, "Bytes");
    static final Metric CALLS = THREADS.counter("otlpdemo.calls", Unit.COUNT, "Calls");
    static final Table ERRORS = Table.process("otlpdemo.errors", "syscall", "errno");
    static final Metric ERRNO = ERRORS.counter("otlpdemo.errno", Unit.COUNT, "Errors");
    static final Table LATENCY = Table.process("otlpdemo.latencies", "syscall");
    static final Metric DURATION = LATENCY.histogram("otlpdemo.duration", Unit.NANOSECONDS, "Call time",
            Log2Buckets.bounds(4));

    @Test
    void countersGaugesAndHistogramsBecomeCumulativeOtlpData() {
        Metrics m = new Metrics(8);
        Row pool = new ThreadRow().of(m.rows(THREADS), "pool-1-thread-1");
        pool.add(TIME, 1_500_000_000L);
        pool.add(SENT, 1024);
        pool.add(CALLS, 3);
        m.rows(ERRORS).row(null, "read", "EAGAIN").add(ERRNO, 7);
        Row read = m.rows(LATENCY).row(null, "read");
        read.observe(DURATION, 1);  // bucket 0, <= 1 ns
        read.observe(DURATION, 5);  // bucket 2, <= 7 ns
        read.observe(DURATION, 99); // bucket 3, +Inf
        m.afterPoll(new PollStats(), 2_000_000, 0, 7);
        MetricsSnapshot s = m.latest();

        Resource resource = Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "demo"));
        SnapshotData data = new SnapshotData(resource, InstrumentationScopeInfo.create("ebpf-agent"));
        Map<String, MetricData> byName = data.of(s).stream().collect(Collectors.toMap(MetricData::getName, d -> d));

        MetricData time = byName.get("ebpf.otlpdemo.time");
        assertEquals(MetricDataType.DOUBLE_SUM, time.getType());
        assertEquals("s", time.getUnit());
        assertTrue(time.getDoubleSumData().isMonotonic());
        assertEquals(AggregationTemporality.CUMULATIVE, time.getDoubleSumData().getAggregationTemporality());
        var p = time.getDoubleSumData().getPoints().iterator().next();
        assertEquals(1.5, p.getValue());
        assertEquals("pool-#-thread-#", p.getAttributes().get(AttributeKey.stringKey("ebpf.thread_group")));
        assertEquals(s.startEpochNanos(), p.getStartEpochNanos());
        assertEquals(s.epochNanos(), p.getEpochNanos());
        assertSame(resource, time.getResource());

        MetricData sent = byName.get("ebpf.otlpdemo.sent");
        assertEquals(MetricDataType.LONG_SUM, sent.getType());
        assertEquals("By", sent.getUnit());
        assertEquals(1024, sent.getLongSumData().getPoints().iterator().next().getValue());
        assertEquals("{count}", byName.get("ebpf.otlpdemo.calls").getUnit());

        var errno = byName.get("ebpf.otlpdemo.errno").getLongSumData().getPoints().iterator().next();
        assertEquals(7, errno.getValue());
        assertEquals("EAGAIN", errno.getAttributes().get(AttributeKey.stringKey("error.type")), "errno is error.type");
        assertEquals("read", errno.getAttributes().get(AttributeKey.stringKey("ebpf.syscall")));

        MetricData duration = byName.get("ebpf.otlpdemo.duration");
        assertEquals(MetricDataType.HISTOGRAM, duration.getType());
        assertEquals(AggregationTemporality.CUMULATIVE, duration.getHistogramData().getAggregationTemporality());
        HistogramPointData h = duration.getHistogramData().getPoints().iterator().next();
        assertEquals(List.of(1e-9, 3e-9, 7e-9), h.getBoundaries(), "inclusive upper bounds, +Inf implied");
        assertEquals(List.of(1L, 0L, 1L, 1L), h.getCounts(), "per bucket, not cumulative");
        assertEquals(3, h.getCount());
        assertEquals(1.05e-7, h.getSum(), 1e-20);
        assertTrue(!h.hasMin() && !h.hasMax(), "the model keeps neither");

        MetricData threadsTracked = byName.get("ebpf.agent.threads_tracked");
        assertEquals(MetricDataType.LONG_GAUGE, threadsTracked.getType());
        assertEquals(1, byName.get("ebpf.agent.polls").getLongSumData().getPoints().iterator().next().getValue());
        assertEquals(3 + 1 + 1 + 18, data.points(), "a point per row and metric (the agent health's 18): "
                + byName.keySet());

        // Attributes are made once per row, and kept.
        pool.add(CALLS, 1);
        m.afterPoll(new PollStats(), 1, 0, 7);
        var again = data.of(m.latest()).stream().filter(d -> d.getName().equals("ebpf.otlpdemo.calls")).findFirst()
                .orElseThrow().getLongSumData().getPoints().iterator().next();
        assertEquals(4, again.getValue());
        assertSame(p.getAttributes(), again.getAttributes());
    }

    @Test
    void theServiceIsTheMainClassOrTheJar() {
        assertEquals("com.example.Main", ServiceName.ofCommand("com.example.Main --port 8080"));
        assertEquals("checkout.jar", ServiceName.ofCommand("/opt/app/checkout.jar --spring.profiles.active=prod"));
        assertEquals("app.JAR", ServiceName.ofCommand("app.JAR"));
        assertEquals("unknown_service:java", ServiceName.ofCommand(""));
        assertEquals("unknown_service:java", ServiceName.ofCommand(null));
        assertEquals("given", ServiceName.of("given"));
    }

    @Test
    void theHostArchitectureHasTheConventionsNames() {
        assertEquals("amd64", ServiceResource.hostArch("amd64"));
        assertEquals("arm64", ServiceResource.hostArch("aarch64"));
        assertEquals("x86", ServiceResource.hostArch("i386"));
        assertEquals("ppc64", ServiceResource.hostArch("ppc64le"));
        assertEquals(null, ServiceResource.hostArch("riscv64"), "none for an architecture without one");
    }
}

package org.ebpfagent.agent.cli;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThresholdsTest {

    @Test
    void everyMetricParsesWithItsUnitAndASignOrNone() {
        Thresholds t = new Thresholds();
        t.add("onCpu=+10%, runQueueWait=20%,offCpu=+12.5%");
        t.add("voluntarySwitches=+0%,involuntarySwitches=+100%,migrations=+300%,waitShare=+5pp");
        assertEquals(Map.<Gauge, Double>of(Metric.ON_CPU, 10.0, Metric.RUN_QUEUE_WAIT, 20.0, Metric.OFF_CPU, 12.5,
                Metric.VOLUNTARY_SWITCHES, 0.0, Metric.INVOLUNTARY_SWITCHES, 100.0, Metric.MIGRATIONS, 300.0,
                Metric.WAIT_SHARE, 5.0), t.all());
    }

    @Test
    void metricNamesIgnoreCase() {
        Thresholds t = new Thresholds();
        t.add("WAITSHARE=+5pp,runqueuewait=+10%");
        assertEquals(5.0, t.limit(Metric.WAIT_SHARE));
        assertEquals(10.0, t.limit(Metric.RUN_QUEUE_WAIT));
        assertNull(t.limit(Metric.ON_CPU));
    }

    @Test
    void tcpMetricsParseInPercent() {
        Thresholds t = new Thresholds();
        t.add("connectTimeP99=+20%,connectFailures=+0%,retransmits=+50%,tcpBytes=+5%");
        assertEquals(20.0, t.limit(TcpMetric.CONNECT_TIME_P99));
        assertEquals(0.0, t.limit(TcpMetric.CONNECT_FAILURES));
        assertEquals(50.0, t.limit(TcpMetric.RETRANSMITS));
        assertEquals(5.0, t.limit(TcpMetric.BYTES));
    }

    @Test
    void syscallLimitsParseAndANamedOneComesBeforeTheWildcard() {
        Thresholds t = new Thresholds();
        t.add("syscall:futex.calls=+20%,syscall:*.calls=+50%,syscall:Read.P99=+50%,syscall:*.errors=100%");
        assertEquals(20.0, t.limit("futex", SyscallMetric.CALLS));
        assertEquals(50.0, t.limit("read", SyscallMetric.CALLS));
        assertEquals(50.0, t.limit("read", SyscallMetric.P99));
        assertNull(t.limit("futex", SyscallMetric.P99));
        assertEquals(100.0, t.limit("*", SyscallMetric.ERRORS));
        assertTrue(t.named("futex", SyscallMetric.CALLS));
        assertTrue(!t.named("read", SyscallMetric.CALLS) && !t.named("*", SyscallMetric.CALLS));
        assertEquals("syscall:read.p99", t.syscallGates().get(2).label());
        assertEquals("+50%", Thresholds.describe(t.syscallGates().get(2), 50));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            cpu=+10%                   | unknown metric 'cpu' (accepted: onCpu, runQueueWait, offCpu, voluntarySwitches, involuntarySwitches, migrations, waitShare, connectTimeP99, connectFailures, retransmits, tcpBytes, syscall:NAME.METRIC
            onCpu                      | --fail-on takes METRIC=+N%
            =+10%                      | --fail-on takes METRIC=+N%
            onCpu=+10                  | onCpu: '+10' is not an increase like onCpu=+10%
            onCpu=-10%                 | only rises are gated
            onCpu=+ten%                | is not an increase
            onCpu=+10pp                | onCpu: give the limit in %, e.g. onCpu=+10%
            waitShare=+5%              | waitShare: give the limit in pp, e.g. waitShare=+5pp
            onCpu=+10%,onCpu=+20%      | --fail-on onCpu is given twice
            onCpu=+10%,                | --fail-on takes METRIC=+N%
            """)
    void badLimitsAreRefusedWithWhatWouldDo(String spec, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Thresholds().add(spec));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void minShareTakesAPercentageWithOrWithoutTheSign() {
        Thresholds t = new Thresholds();
        assertEquals(0.05, t.minShare(), "default");
        t.minShare("1%");
        assertEquals(0.01, t.minShare(), 1e-12);
        t.minShare("0.5");
        assertEquals(0.005, t.minShare(), 1e-12);
        t.minShare("0%");
        assertEquals(0, t.minShare());
        for (String bad : new String[] {"-1%", "101%", "five", ""}) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> t.minShare(bad)).getMessage().contains("--min-share"));
        }
    }

    @Test
    void limitsDescribeThemselvesAsGiven() {
        assertEquals("+10%", Thresholds.describe(Metric.ON_CPU, 10));
        assertEquals("+12.5%", Thresholds.describe(Metric.ON_CPU, 12.5));
        assertEquals("+5pp", Thresholds.describe(Metric.WAIT_SHARE, 5));
    }
}

package org.ebpfagent.jmc;

import static org.ebpfagent.jmc.CpuStarvationRuleTest.evaluate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.Severity;

class TcpProblemsRuleTest {

    @Test
    void refusedConnectsWarnAndNameTheEndpointAndErrno() throws Exception {
        IItemCollection items;
        try (SyntheticRecording r = new SyntheticRecording()) {
            for (int i = 0; i < 95; i++) {
                r.connect("client", 7, "10.0.0.1", 8080, "established", 1);
                r.connection("client", 7, "10.0.0.1", 8080, 0, false);
            }
            for (int i = 0; i < 5; i++) {
                r.connect("client", 7, "10.0.0.2", 5432, "ECONNREFUSED", 0);
            }
            r.connection("client", 7, "10.0.0.1", 8080, 40, true); // open: a snapshot, not counted
            items = r.load();
        }
        IResult r = evaluate(new TcpProblemsRule(), items, IPreferenceValueProvider.DEFAULT_VALUES);
        assertEquals(0.05, r.getResult(TcpProblemsRule.FAILED_SHARE).doubleValueIn(UnitLookup.PERCENT_UNITY), 1e-9);
        assertEquals(0.0, r.getResult(TcpProblemsRule.RETRANSMITS_PER_CONNECTION).doubleValue(), 1e-9);
        assertEquals(Severity.WARNING, r.getSeverity(), r.getSummary());
        assertEquals("5 of 100 connect attempts failed (5.0%); 0 retransmits over 95 closed connections (0.00 per "
                + "connection).", r.getSummary());
        assertTrue(r.getExplanation().contains("10.0.0.2:5432: 5 of 5 connects failed (ECONNREFUSED 5), 0 retransmits"),
                r.getExplanation());
    }

    @Test
    void retransmitsAboveTheLimitWarnBelowAFifthAreOk() throws Exception {
        IItemCollection lossy;
        IItemCollection clean;
        try (SyntheticRecording r = new SyntheticRecording()) {
            for (int i = 0; i < 10; i++) {
                r.connect("pool-1", 9, "192.168.1.5", 443, "established", 2);
                r.connection("pool-1", 9, "192.168.1.5", 443, 3, false); // 3 per connection, limit 1
            }
            lossy = r.load();
        }
        try (SyntheticRecording r = new SyntheticRecording()) {
            for (int i = 0; i < 10; i++) {
                r.connect("pool-1", 9, "192.168.1.5", 443, "established", 2);
                r.connection("pool-1", 9, "192.168.1.5", 443, i == 0 ? 1 : 0, false); // 0.1 per connection
            }
            clean = r.load();
        }
        IResult bad = evaluate(new TcpProblemsRule(), lossy, IPreferenceValueProvider.DEFAULT_VALUES);
        assertEquals(3.0, bad.getResult(TcpProblemsRule.RETRANSMITS_PER_CONNECTION).doubleValue(), 1e-9);
        assertEquals(Severity.WARNING, bad.getSeverity(), bad.getSummary());
        assertTrue(bad.getExplanation().contains("192.168.1.5:443: 0 of 10 connects failed, 30 retransmits over 10 "
                + "connections"), bad.getExplanation());
        IResult ok = evaluate(new TcpProblemsRule(), clean, IPreferenceValueProvider.DEFAULT_VALUES);
        assertEquals(Severity.OK, ok.getSeverity(), ok.getSummary());
    }

    @Test
    void notApplicableWithoutTcpEvents() throws Exception {
        IItemCollection items;
        try (SyntheticRecording r = new SyntheticRecording()) {
            r.scheduling("t", 1, 10, 0, 10);
            items = r.load();
        }
        assertEquals(Severity.NA, evaluate(new TcpProblemsRule(), items, IPreferenceValueProvider.DEFAULT_VALUES)
                .getSeverity());
    }
}

package org.ebpfagent.jmc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.IRule;
import org.openjdk.jmc.flightrecorder.rules.RuleRegistry;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;

class CpuStarvationRuleTest {
    static final double EPS = 1e-9;

    static IResult evaluate(IRule rule, IItemCollection items, IPreferenceValueProvider vp) throws Exception {
        var future = rule.createEvaluation(items, vp, null);
        future.run();
        return future.get();
    }

    static IPreferenceValueProvider prefs(Map<TypedPreference<?>, Object> values) {
        return new IPreferenceValueProvider() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> T getPreferenceValue(TypedPreference<T> p) {
                return values.containsKey(p) ? (T) values.get(p) : p.getDefaultValue();
            }
        };
    }

    /**
     * "starved" waited 300 of 400 ms (75%) over two events, "busy" 20 of 520 ms (3.8%), and
     * "blip" 0.9 of 1 ms: too little demand (under 1% of the 200+ ms analysed) to be judged.
     */
    static IItemCollection mixed() throws Exception {
        try (SyntheticRecording r = new SyntheticRecording()) {
            r.scheduling("starved", 101, 60, 200, 100);
            r.scheduling("busy", 102, 500, 20, 0);
            r.scheduling("blip", 103, 0, 1, 0);
            r.scheduling("starved", 101, 40, 100, 100);
            return r.load();
        }
    }

    @Test
    void warnsAndNamesTheStarvedThreadWithItsFigures() throws Exception {
        IResult r = evaluate(new CpuStarvationRule(), mixed(), IPreferenceValueProvider.DEFAULT_VALUES);
        assertEquals(Severity.WARNING, r.getSeverity(), r.getSummary());
        assertEquals(CpuStarvationRule.score(0.75, 0.10), r.getResult(TypedResult.SCORE).doubleValue(), EPS);
        assertEquals(75 + 25 * 0.65 / 0.9, r.getResult(TypedResult.SCORE).doubleValue(), EPS);
        assertEquals("starved [101]", r.getResult(CpuStarvationRule.WORST_THREAD));
        assertEquals(0.75, r.getResult(CpuStarvationRule.WORST_WAIT_SHARE).doubleValueIn(UnitLookup.PERCENT_UNITY), EPS);
        // Process: 321 ms waiting of 100 + 500 + 0 + 321 = 921 ms ready to run.
        assertEquals(321.0 / 921, r.getResult(CpuStarvationRule.PROCESS_WAIT_SHARE).doubleValueIn(UnitLookup.PERCENT_UNITY), EPS);
        assertTrue(r.getSummary().startsWith("1 of 2 judged threads waited for a CPU more than 10% "), r.getSummary());
        assertTrue(r.getSummary().contains("starved [101] waited 75.0% (300.0 ms in the run queue, 100.0 ms on a CPU, 300 preemptions)"),
                r.getSummary());
        assertFalse(r.getExplanation().contains("busy [102] waited"), r.getExplanation());
        assertFalse(r.getExplanation().contains("blip"), r.getExplanation());
        assertTrue(r.getSolution() != null && !r.getSolution().isEmpty());
    }

    @Test
    void theLimitIsAPreference() throws Exception {
        IItemCollection items = mixed();
        IResult info = evaluate(new CpuStarvationRule(), items,
                prefs(Map.of(CpuStarvationRule.WAIT_SHARE_LIMIT, UnitLookup.PERCENT.quantity(80))));
        assertEquals(Severity.INFO, info.getSeverity(), info.getSummary());
        assertEquals(25 + 50 * (0.75 - 0.40) / 0.40, info.getResult(TypedResult.SCORE).doubleValue(), EPS);
        assertTrue(info.getSummary().startsWith("No thread waited for a CPU more than 80% "), info.getSummary());

        // With no minimum demand the 1 ms thread is judged too: its 100% sets the severity, but the
        // thread that lost the most time is still named first.
        IResult all = evaluate(new CpuStarvationRule(), items,
                prefs(Map.of(CpuStarvationRule.MIN_DEMAND, UnitLookup.PERCENT.quantity(0))));
        assertEquals(100, all.getResult(TypedResult.SCORE).doubleValue(), EPS);
        assertEquals(1.0, all.getResult(CpuStarvationRule.WORST_WAIT_SHARE).doubleValueIn(UnitLookup.PERCENT_UNITY), EPS);
        assertEquals("starved [101]", all.getResult(CpuStarvationRule.WORST_THREAD));
        assertTrue(all.getExplanation().matches("Threads over the limit, most time lost first: starved \\[101] .*; blip \\[103] waited 100.0% .*"),
                all.getExplanation());
    }

    @Test
    void okWhenEveryThreadGetsItsCpu() throws Exception {
        IItemCollection items;
        try (SyntheticRecording r = new SyntheticRecording()) {
            r.scheduling("busy", 102, 500, 20, 50);
            items = r.load();
        }
        IResult r = evaluate(new CpuStarvationRule(), items, IPreferenceValueProvider.DEFAULT_VALUES);
        assertEquals(Severity.OK, r.getSeverity(), r.getSummary());
        assertEquals(25 * (20.0 / 520) / 0.05, r.getResult(TypedResult.SCORE).doubleValue(), EPS);
        assertTrue(r.getSummary().contains("busy [102] waited 3.8%"), r.getSummary());
    }

    @Test
    void notApplicableWithoutEbpfEvents() throws Exception {
        IItemCollection items;
        try (SyntheticRecording r = new SyntheticRecording()) {
            items = r.load();
        }
        assertTrue(items.hasItems(), "the recording has the JVM's own events");
        for (IRule rule : new IRule[] {new CpuStarvationRule(), new AgentHealthRule()}) {
            IResult r = evaluate(rule, items, IPreferenceValueProvider.DEFAULT_VALUES);
            assertEquals(Severity.NA, r.getSeverity(), rule.getId() + ": " + r.getSummary());
        }
    }

    @Test
    void registeredThroughTheServiceLoader() {
        var ids = RuleRegistry.getRules().stream().map(IRule::getId).toList();
        assertTrue(ids.contains(CpuStarvationRule.ID) && ids.contains(AgentHealthRule.ID), ids.toString());
    }

    @Test
    void scoreBands() {
        assertEquals(0, CpuStarvationRule.score(0, 0.1), EPS);
        assertEquals(25, CpuStarvationRule.score(0.05, 0.1), EPS);
        assertEquals(75, CpuStarvationRule.score(0.1, 0.1), EPS);
        assertEquals(100, CpuStarvationRule.score(1, 0.1), EPS);
        assertEquals(Severity.WARNING, Severity.get(CpuStarvationRule.score(0.1001, 0.1)));
        assertEquals(Severity.INFO, Severity.get(CpuStarvationRule.score(0.0999, 0.1)));
        assertEquals(Severity.OK, Severity.get(CpuStarvationRule.score(0.0499, 0.1)));
    }
}

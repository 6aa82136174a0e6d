package org.ebpfagent.it;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How an exporter's series agree with the recording, for {@link PrometheusIT} and {@link OtlpIT}:
 * each series' increase between two exports (polls p1 and p2) against the sum of the same figure
 * over the recording's events of polls p1+1..p2, within what the polls at the two ends carried (an
 * event read by the poll after the one it ended before falls on the other side in the recording).
 */
record SeriesAgreement(int compared, int exact, int moving, Set<String> familiesMoving, List<String> inexact,
                       List<String> problems) {

    /**
     * @param increase a series' increase between the two exports, by key
     * @param expected the recording's figures by key and poll
     * @param source   what exported them, for the messages ("Prometheus", "pushed")
     */
    static SeriesAgreement of(Set<String> keys, ToLongFunction<String> increase,
                              Map<String, Map<Integer, Long>> expected, int p1, int p2, String source) {
        List<String> problems = new ArrayList<>();
        List<String> inexact = new ArrayList<>();
        Set<String> familiesMoving = new HashSet<>();
        int exact = 0;
        int moving = 0;
        for (String k : keys) {
            long got = increase.applyAsLong(k);
            Map<Integer, Long> perPoll = expected.getOrDefault(k, Map.of());
            long want = 0;
            for (int p = p1 + 1; p <= p2; p++) {
                want += perPoll.getOrDefault(p, 0L);
            }
            long tolerance = 1;
            for (int p : new int[] {p1, p1 + 1, p2, p2 + 1}) {
                tolerance = Math.max(tolerance, perPoll.getOrDefault(p, 0L) + 1);
            }
            String line = k + ": " + source + " +" + got + ", recording " + want + " (tolerance " + tolerance + ")";
            if (got == want) {
                exact++;
            } else {
                inexact.add(line);
            }
            if (want > 0) {
                moving++;
                familiesMoving.add(k.substring(0, k.indexOf('{')));
            }
            if (Math.abs(got - want) > tolerance) {
                problems.add(line);
            }
        }
        return new SeriesAgreement(keys.size(), exact, moving, familiesMoving, inexact, problems);
    }

    /**
     * Prints the comparison and asserts it: no series beyond tolerance, every compared family of
     * {@link PrometheusIT#FAMILIES} moved (but those a healthy run may leave still), and at least
     * 100 series moved.
     */
    void assertAgrees(Predicate<String> comparedKey) {
        System.out.printf("%d series compared, %d moving, %d equal to the recording exactly, %d beyond tolerance%n",
                compared, moving, exact, problems.size());
        System.out.println("within tolerance, not equal: " + inexact);
        problems.forEach(System.out::println);
        assertTrue(problems.isEmpty(), problems.size() + " series disagree with the recording, e.g. "
                + problems.subList(0, Math.min(10, problems.size())));
        for (String family : PrometheusIT.FAMILIES) {
            if (comparedKey.test(family + "{") && !family.contains("retransmits") && !family.contains("failures")
                    && !family.contains("stolen") && !family.contains("restarts")) {
                assertTrue(familiesMoving.contains(family), "nothing moved in " + family + " over the compared polls");
            }
        }
        assertTrue(moving >= 100, "only " + moving + " series moved");
    }
}

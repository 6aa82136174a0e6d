package org.ebpfagent.agent.util;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** IntMap against java.util.HashMap as the oracle, through random puts and removes. */
class IntMapTest {

    @Test
    void behavesLikeHashMapUnderRandomPutsAndRemoves() {
        Random random = new Random(42);
        IntMap<Integer> map = new IntMap<>(4);
        Map<Integer, Integer> oracle = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            // A narrow key range forces collisions, long probe chains and removals inside them.
            int key = random.nextInt(4096) * (random.nextBoolean() ? 1 : -65536);
            if (random.nextInt(3) == 0) {
                assertEquals(oracle.remove(key), map.remove(key));
            } else {
                oracle.put(key, step);
                map.put(key, step);
            }
            if (step % 1000 == 0) {
                for (var e : oracle.entrySet()) {
                    assertEquals(e.getValue(), map.get(e.getKey()));
                }
            }
            assertEquals(oracle.size(), map.size());
        }
        int[] count = {0};
        map.forEachValue(v -> count[0]++);
        assertEquals(oracle.size(), count[0]);
    }
}

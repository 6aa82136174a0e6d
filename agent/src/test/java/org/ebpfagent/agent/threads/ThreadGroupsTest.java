package org.ebpfagent.agent.threads;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadGroupsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            pool-1-thread-7                  | pool-#-thread-#
            pool-3-thread-2                  | pool-#-thread-#
            spinner-0                        | spinner-#
            spinner-13                       | spinner-#
            ForkJoinPool.commonPool-worker-1 | ForkJoinPool.commonPool-worker-#
            http-nio-8080-exec-10            | http-nio-#-exec-#
            Thread-0                         | Thread-#
            worker3                          | worker#
            GC Thread#0                      | GC Thread#
            G1 Conc#0                        | G1 Conc#
            G1 Refine#12                     | G1 Refine#
            C2 CompilerThre                  | C2 CompilerThre
            C1 CompilerThre                  | C1 CompilerThre
            G1 Service                       | G1 Service
            VM Thread                        | VM Thread
            main                             | main
            """)
    void countersBecomeHashesWordsKeepTheirDigits(String thread, String group) {
        assertEquals(group, new ThreadGroups().groupOf(thread));
    }

    @Test
    void groupRulesComeFirstMatchTheWholeNameAndTheFirstOneWins() {
        ThreadGroups g = new ThreadGroups();
        g.add("worker-(fast|slow)-\\d+=workers");
        g.add("worker-.*=other workers");
        g.add("C\\d CompilerThre=JIT");
        assertEquals("workers", g.groupOf("worker-fast-1"));
        assertEquals("workers", g.groupOf("worker-slow-22"));
        assertEquals("other workers", g.groupOf("worker-x-1"));
        assertEquals("JIT", g.groupOf("C1 CompilerThre"));
        assertEquals("JIT", g.groupOf("C2 CompilerThre"));
        assertEquals("my-worker-#", g.groupOf("my-worker-3"), "a rule matches the whole name, not a part");
    }

    @Test
    void noThreadPassesForTheWholeProcessOrTheFoldedGroups() {
        ThreadGroups g = new ThreadGroups();
        assertEquals("(process) thread", g.groupOf("(process)"));
        assertEquals("(other) thread", g.groupOf("(other)"));
        assertEquals("other", g.groupOf("other"));
        g.add("x=(process)");
        assertEquals("(process) thread", g.groupOf("x"));
    }

    @Test
    void theLastEqualsSignSplitsSoARegexMayHoldOne() {
        ThreadGroups g = new ThreadGroups();
        g.add("a(?=b)b=ab");
        assertEquals("ab", g.groupOf("ab"));
    }

    @Test
    void badRulesAreRefusedWithTheirReason() {
        ThreadGroups g = new ThreadGroups();
        for (String bad : new String[] {"noequals", "=name", "regex=", "worker(=x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.add(bad), bad);
            assertTrue(e.getMessage().contains("--group"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> g.add("worker(=x")).getMessage().contains("bad regex"));
    }
}

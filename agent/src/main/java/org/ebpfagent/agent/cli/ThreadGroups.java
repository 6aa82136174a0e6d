package org.ebpfagent.agent.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Names the group a thread is compared in: the first matching --group rule, else its name with counters replaced by '#'. */
final class ThreadGroups {
    /**
     * A counter: a run of digits, taking along a '#' just before it (GC Thread#0 -> GC Thread#).
     * Digits inside a word, after a letter and with more of the name following (C2 CompilerThre,
     * G1 Conc#0), name a thing rather than count instances, so they stay; after a letter at the
     * very end (worker3) they are a counter again.
     */
    private static final Pattern COUNTER = Pattern.compile("#?(?<!\\p{L})\\d+|(?<=\\p{L})\\d+$");

    private record Rule(Pattern pattern, String group) {}

    private final List<Rule> rules = new ArrayList<>();

    /** Adds a --group REGEX=NAME rule; rules are tried in the order given, against the whole thread name. */
    void add(String spec) {
        // The last '=' splits: a regex may hold one ((?=...)), a group name has no reason to.
        int eq = spec.lastIndexOf('=');
        if (eq <= 0 || eq == spec.length() - 1) {
            throw new IllegalArgumentException("--group takes REGEX=NAME, e.g. 'worker\\d+=worker#', not '" + spec + "'");
        }
        try {
            rules.add(new Rule(Pattern.compile(spec.substring(0, eq)), spec.substring(eq + 1)));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("--group '" + spec + "': bad regex: " + e.getDescription());
        }
    }

    String groupOf(String threadName) {
        String name = threadName == null ? "" : threadName;
        String group = rules.stream().filter(r -> r.pattern.matcher(name).matches()).findFirst()
                .map(Rule::group).orElseGet(() -> COUNTER.matcher(name).replaceAll("#"));
        // A thread may be called anything, even the whole-process row's name: keep them apart.
        return group.equals(Comparison.PROCESS) ? group + " thread" : group;
    }
}

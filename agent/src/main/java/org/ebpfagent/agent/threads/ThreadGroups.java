package org.ebpfagent.agent.threads;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Names the group a thread is counted in: the first matching rule, else its name with counters
 * replaced by '#' ({@code pool-3-thread-7} → {@code pool-#-thread-#}). {@code compare} groups the
 * threads of two recordings this way, and the agent's metrics group threads the same way, so a
 * series and a row of {@code compare} stand for the same threads. Not thread-safe while rules are
 * added; {@link #groupOf} allocates (a regex replacement): callers keep its answer per thread.
 */
public final class ThreadGroups {
    /** The whole-process row's name in {@code compare}, which no group of threads is ever given. */
    public static final String PROCESS = "(process)";
    /** Where the agent's metrics fold the thread groups beyond their cap; no group of threads is given it either. */
    public static final String OTHER = "(other)";

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
    public void add(String spec) {
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

    public String groupOf(String threadName) {
        String name = threadName == null ? "" : threadName;
        String group = null;
        for (Rule r : rules) {
            if (r.pattern.matcher(name).matches()) {
                group = r.group;
                break;
            }
        }
        if (group == null) {
            group = COUNTER.matcher(name).replaceAll("#");
        }
        // A thread may be called anything, even a reserved row's name: keep them apart.
        return group.equals(PROCESS) || group.equals(OTHER) ? group + " thread" : group;
    }
}

package org.ebpfagent.agent.util;

import java.util.List;

/**
 * The agent's own log: one line per message on stderr, {@code LEVEL name - message}, each
 * {@code {}} of the message replaced by the next argument. No logging framework: nothing to set up
 * while the agent starts, and nothing shared with the application's own logging. The level is set
 * once, from the agent's options, before the first message. Thread-safe.
 */
public final class Log {
    /** The levels, most severe first: a message is written if its level is at most the threshold. */
    public static final List<String> LEVELS = List.of("error", "warn", "info", "debug", "trace");
    private static final String[] PREFIXES = {"ERROR ", "WARN ", "INFO ", "DEBUG ", "TRACE "};
    private static final int ERROR = 0;
    private static final int WARN = 1;
    private static final int INFO = 2;
    private static final int DEBUG = 3;
    private static final int TRACE = 4;
    private static volatile int threshold = INFO;

    private final String name;

    private Log(String name) {
        this.name = name;
    }

    /** A log whose lines carry {@code name} (the agent's is {@code ebpf-agent}). */
    public static Log named(String name) {
        return new Log(name);
    }

    /** Sets the level by name, one of {@link #LEVELS}; an unknown name leaves it unchanged. */
    public static void setLevel(String level) {
        int i = LEVELS.indexOf(level);
        if (i >= 0) {
            threshold = i;
        }
    }

    public boolean isTraceEnabled() {
        return threshold >= TRACE;
    }

    public boolean isDebugEnabled() {
        return threshold >= DEBUG;
    }

    public void error(String message, Object... args) {
        write(ERROR, message, args);
    }

    public void warn(String message, Object... args) {
        write(WARN, message, args);
    }

    public void info(String message, Object... args) {
        write(INFO, message, args);
    }

    public void debug(String message, Object... args) {
        write(DEBUG, message, args);
    }

    public void trace(String message, Object... args) {
        write(TRACE, message, args);
    }

    private void write(int level, String message, Object[] args) {
        if (level > threshold) {
            return;
        }
        StringBuilder line = new StringBuilder(PREFIXES[level]).append(name).append(" - ");
        int from = 0;
        for (Object arg : args) {
            int at = message.indexOf("{}", from);
            if (at < 0) {
                break;
            }
            line.append(message, from, at).append(arg);
            from = at + 2;
        }
        System.err.println(line.append(message, from, message.length()));
    }
}

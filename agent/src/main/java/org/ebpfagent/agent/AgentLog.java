package org.ebpfagent.agent;

/**
 * Configures the agent's own SLF4J backend (slf4j-simple, relocated inside the agent jar, so the
 * application's logging is untouched) before the first logger is created. Lines go to stderr as
 * {@code LEVEL ebpf-agent - message}.
 */
final class AgentLog {
    private static final String PREFIX = "org.slf4j.simpleLogger.";

    private AgentLog() {}

    static void configure(String level) {
        set("defaultLogLevel", level);
        set("logFile", "System.err");
        set("showThreadName", "false");
        set("showDateTime", "false");
        set("showLogName", "true");
    }

    private static void set(String key, String value) {
        // The shaded jar relocates these property names along with the classes, so an
        // application that configures its own slf4j-simple is not affected.
        System.setProperty(PREFIX + key, value);
    }
}

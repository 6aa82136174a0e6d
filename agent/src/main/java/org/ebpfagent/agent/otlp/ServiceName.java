package org.ebpfagent.agent.otlp;

import java.util.Locale;

/** The {@code service.name} the pushes carry: the option's, else the main class or the jar. */
final class ServiceName {
    /** The conventions' service.name when none is known: unknown_service and the executable. */
    static final String UNKNOWN = "unknown_service:java";

    private ServiceName() {}

    /** @param option the otlpService option; null: {@link #ofCommand} of this JVM's command */
    static String of(String option) {
        return option != null ? option : ofCommand(System.getProperty("sun.java.command"));
    }

    /**
     * The main class, or the jar's file name for {@code java -jar}: the first word of the command
     * the JVM was started with ({@code sun.java.command}, which HotSpot sets); else {@link #UNKNOWN}.
     */
    static String ofCommand(String command) {
        if (command == null || command.isBlank()) {
            return UNKNOWN;
        }
        String first = command.strip().split("\\s+", 2)[0];
        if (first.toLowerCase(Locale.ROOT).endsWith(".jar")) {
            return first.substring(first.lastIndexOf('/') + 1);
        }
        return first;
    }
}

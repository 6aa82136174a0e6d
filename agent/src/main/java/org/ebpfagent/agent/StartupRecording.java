package org.ebpfagent.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the JVM was started with {@code -XX:StartFlightRecording}: on its command line, in
 * {@code JAVA_TOOL_OPTIONS} or in {@code JDK_JAVA_OPTIONS}. JFR starts that recording after
 * premain returns. An option from an argument file is not seen; the agent then works as when a
 * recording starts later, only at a higher start-up cost (see {@link EbpfAgent#start}).
 */
final class StartupRecording {
    private static final String OPTION = "-XX:StartFlightRecording";

    private StartupRecording() {}

    static boolean requested() {
        return contains(System.getenv("JAVA_TOOL_OPTIONS")) || contains(System.getenv("JDK_JAVA_OPTIONS"))
                || contains(commandLine());
    }

    private static boolean contains(String options) {
        return options != null && options.contains(OPTION);
    }

    /** The arguments the process was started with, NUL-separated, or null. */
    private static String commandLine() {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/self/cmdline")), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}

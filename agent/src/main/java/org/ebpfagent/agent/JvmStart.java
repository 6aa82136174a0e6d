package org.ebpfagent.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.ebpfagent.agent.ffm.Linux;

/**
 * How long ago this JVM's process started, by the kernel's account: the agent reports how soon
 * after the JVM's start its probes were attached.
 */
final class JvmStart {
    /** USER_HZ, the unit of /proc's clock-tick fields: 100 on every architecture the agent runs on. */
    private static final long NANOS_PER_TICK = 1_000_000_000L / 100;

    private JvmStart() {}

    /**
     * Milliseconds from the process's start to {@code moment} (a {@link System#nanoTime} reading,
     * taken shortly before), or -1 if /proc does not say. The start time comes in clock ticks
     * (10 ms) rounded down, so the figure can be up to 10 ms too large, never too small.
     */
    static long millisAgo(long moment) {
        long now = System.nanoTime();
        long ago = millisAgo();
        return ago < 0 ? -1 : ago - (now - moment) / 1_000_000;
    }

    /** Milliseconds since the process started, or -1 if /proc does not say (as above). */
    private static long millisAgo() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // Fields from the third on follow the command name, which is in parentheses and may
            // hold spaces; the 22nd field is the start time, in clock ticks since boot.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long started = Long.parseLong(fields[22 - 3]) * NANOS_PER_TICK;
            return (Linux.bootTimeNanos() - started) / 1_000_000;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}

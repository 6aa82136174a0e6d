package org.ebpfagent.agent.threads;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Matches Java threads to Linux tids by name, where their tids cannot be read exactly (a JVM
 * other than HotSpot): HotSpot gives each Java thread's OS thread its Java name (cut to 15 bytes) when it
 * starts, so a name that appears exactly once among the Java threads and exactly once in
 * {@code /proc/self/task/*}{@code /comm} identifies the tid. Ambiguous names stay unregistered
 * (their events carry the OS name and no Java thread) rather than risk a wrong match.
 */
public final class ThreadNames {
    private static final int COMM_BYTES = 15;

    private ThreadNames() {}

    /** Returns how many threads were registered. */
    public static int register(ThreadRegistry registry, Thread[] threads) {
        Map<String, Thread> javaByComm = new HashMap<>();
        Map<String, Integer> javaCounts = new HashMap<>();
        for (Thread t : threads) {
            String comm = comm(t.getName());
            javaByComm.put(comm, t);
            javaCounts.merge(comm, 1, Integer::sum);
        }
        Map<String, Integer> tidByComm = new HashMap<>();
        Map<String, Integer> osCounts = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String comm = Files.readString(task.resolve("comm")).strip();
                    tidByComm.put(comm, Integer.parseInt(task.getFileName().toString()));
                    osCounts.merge(comm, 1, Integer::sum);
                } catch (IOException | NumberFormatException e) {
                    // the thread exited while we looked
                }
            }
        } catch (IOException e) {
            return 0;
        }
        int registered = 0;
        for (var e : javaByComm.entrySet()) {
            String comm = e.getKey();
            Integer tid = tidByComm.get(comm);
            if (tid != null && javaCounts.get(comm) == 1 && osCounts.get(comm) == 1) {
                registry.register(e.getValue(), tid, System.nanoTime());
                registered++;
            }
        }
        return registered;
    }

    /** The OS thread name HotSpot derives from a Java thread name: its first 15 UTF-8 bytes. */
    static String comm(String javaName) {
        byte[] utf8 = javaName.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= COMM_BYTES) {
            return javaName;
        }
        return new String(utf8, 0, COMM_BYTES, StandardCharsets.UTF_8).replace("\uFFFD", "");
    }

}

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * An idle JVM for start-up measurements: sleeps S seconds (default 1), then prints to stderr one
 * line with the on-CPU milliseconds of its live threads so far, grouped by what they do:
 * {@code THREADS-CPU-MS jit=412 main=95 gc=10 jfr=8 agent=6 vm=9 other=1}. The kernel's account
 * (/proc/self/task/TID/schedstat); a thread that has already exited is not in it. Compile and
 * run: {@code javac -d DIR scripts/IdleMain.java && java -cp DIR IdleMain [S]}.
 */
public class IdleMain {
    public static void main(String[] args) throws Exception {
        Thread.sleep(Math.round(1000 * (args.length > 0 ? Double.parseDouble(args[0]) : 1)));
        Map<String, Long> groups = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String schedstat = Files.readString(task.resolve("schedstat"));
                    long onCpuNanos = Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
                    groups.merge(group(comm), onCpuNanos, Long::sum);
                } catch (IOException e) {
                    // the thread exited while we listed them
                }
            }
        }
        StringBuilder line = new StringBuilder("THREADS-CPU-MS");
        groups.forEach((group, nanos) -> line.append(' ').append(group).append('=').append(nanos / 1_000_000));
        System.err.println(line);
    }

    /** The group of a thread by its kernel name (15 characters at most). */
    static String group(String comm) {
        if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
            return "jit";
        }
        if (comm.equals("java")) {
            return "main"; // the main thread and the launcher's
        }
        if (comm.startsWith("GC ") || comm.startsWith("G1 ")) {
            return "gc";
        }
        if (comm.startsWith("JFR ")) {
            return "jfr";
        }
        if (comm.startsWith("ebpf-agent")) {
            return "agent";
        }
        if (comm.equals("VM Thread")) {
            return "vm";
        }
        return "other";
    }
}

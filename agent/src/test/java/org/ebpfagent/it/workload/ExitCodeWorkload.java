package org.ebpfagent.it.workload;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The smallest application: says it ran and who it runs as, works for about a second (so an
 * agent that fails late still fails while the application is running), and exits with its own
 * code, 42. A test that sees 42 knows the application reached its end undisturbed.
 */
public final class ExitCodeWorkload {
    static volatile long sink;

    public static void main(String[] args) throws Exception {
        System.out.println("workload ran");
        String uid = "?";
        String capEff = "?";
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                uid = line.split("\\s+")[2]; // real, effective, saved, fs: the effective one
            } else if (line.startsWith("CapEff:")) {
                capEff = line.split("\\s+")[1];
            }
        }
        System.out.println("identity euid=" + uid + " capEff=" + capEff);
        System.out.flush();
        long end = System.nanoTime() + 1_000_000_000L;
        long x = 1;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 10_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            Thread.sleep(1);
        }
        sink = x;
        System.exit(42);
    }
}

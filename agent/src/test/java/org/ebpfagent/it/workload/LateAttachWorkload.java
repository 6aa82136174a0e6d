package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;

/**
 * Threads that exist before any agent: two spinners start at once, the workload prints STARTED,
 * and after "go" on stdin (sent once an agent has been attached) they spin for another second.
 */
public final class LateAttachWorkload {
    static volatile boolean go;

    public static void main(String[] args) throws Exception {
        Thread[] spinners = new Thread[2];
        for (int i = 0; i < spinners.length; i++) {
            spinners[i] = new Thread(() -> {
                while (!go) {
                    Thread.onSpinWait();
                }
                SchedWorkload.spin(1000);
            }, "early-spinner-" + i);
            spinners[i].start();
        }
        System.out.println("STARTED");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        go = true;
        for (Thread t : spinners) {
            t.join();
        }
        Thread.sleep(300);
    }
}

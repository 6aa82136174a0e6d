package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.concurrent.locks.LockSupport;

/**
 * Threads whose identity is easy to get wrong: the main thread (started before the agent), a
 * thread that renames itself half-way, and a Thread subclass that overrides run(). Waits for "go",
 * prints "ID name=... tid=..." for each, and exits with 0.
 */
public final class IdentityWorkload {
    public static void main(String[] args) throws Exception {
        new BufferedReader(new InputStreamReader(System.in)).readLine(); // "go"
        int[] renamedTid = new int[1];
        Thread renamed = new Thread(() -> {
            renamedTid[0] = Truth.currentTid();
            SchedWorkload.spin(600);
            Thread.currentThread().setName("after-rename");
            SchedWorkload.spin(600);
        }, "before-rename");
        Subclassed subclassed = new Subclassed();
        renamed.start();
        subclassed.start();
        SchedWorkload.spin(300); // the main thread works too
        renamed.join();
        subclassed.join();
        System.out.println("ID name=main tid=" + Truth.currentTid());
        System.out.println("ID name=after-rename tid=" + renamedTid[0]);
        System.out.println("ID name=subclassed tid=" + subclassed.tid);
        System.out.flush();
        Thread.sleep(400);
    }

    /** A subclass whose run() never calls Thread.run(): invisible to instrumentation of Thread.run. */
    static final class Subclassed extends Thread {
        volatile int tid;

        Subclassed() {
            super("subclassed");
        }

        @Override
        public void run() {
            tid = Truth.currentTid();
            SchedWorkload.spin(300);
            LockSupport.parkNanos(50_000_000);
        }
    }
}

package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A short workload that says which threads are its own. After "go" on stdin it runs spinners
 * (which then park) and one sleeper that exits; it prints {@code THREAD name=N tid=T} for each,
 * {@code EXITED tid=T} for the sleeper once it is joined, a {@link Truth} line for each spinner once
 * parked, and finally {@code TASKS t1 t2 ...}: every entry of /proc/self/task while all its threads
 * still exist.
 *
 * <p>Arguments: spinners spinMillis sleeps sleepMillis
 */
public final class IsolationWorkload {
    public static void main(String[] args) throws Exception {
        int spinners = Integer.parseInt(args[0]);
        long spinMillis = Long.parseLong(args[1]);
        int sleeps = Integer.parseInt(args[2]);
        long sleepMillis = Long.parseLong(args[3]);

        new BufferedReader(new InputStreamReader(System.in)).readLine(); // "go"
        CountDownLatch spun = new CountDownLatch(spinners);
        List<Thread> parked = new ArrayList<>();
        int[] spinnerTids = new int[spinners];
        for (int i = 0; i < spinners; i++) {
            int index = i;
            Thread t = new Thread(() -> {
                spinnerTids[index] = Truth.currentTid();
                System.out.println("THREAD name=" + Thread.currentThread().getName() + " tid=" + spinnerTids[index]);
                SchedWorkload.spin(spinMillis);
                spun.countDown();
                while (true) {
                    LockSupport.park();
                }
            }, "iso-spinner-" + i);
            t.setDaemon(true);
            parked.add(t);
        }
        int[] sleeperTid = new int[1];
        Thread sleeper = new Thread(() -> {
            sleeperTid[0] = Truth.currentTid();
            System.out.println("THREAD name=" + Thread.currentThread().getName() + " tid=" + sleeperTid[0]);
            for (int n = 0; n < sleeps; n++) {
                try {
                    Thread.sleep(sleepMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "iso-sleeper");
        parked.forEach(Thread::start);
        sleeper.start();
        sleeper.join();
        System.out.println("EXITED tid=" + sleeperTid[0]);
        spun.await();
        for (Thread t : parked) {
            while (t.getState() != Thread.State.WAITING) { // parked for good: its counters are final
                Thread.sleep(1);
            }
        }
        for (int i = 0; i < spinners; i++) {
            System.out.println(Truth.of(parked.get(i).getName(), spinnerTids[i]).line());
        }
        System.out.println("TASKS " + tasks());
        System.out.println("WORKLOAD DONE");
        System.out.flush();
        Thread.sleep(300); // a poll or two while everything is still there
        System.exit(0);
    }

    /** The tids in /proc/self/task, space-separated. */
    static String tasks() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.joining(" "));
        }
    }
}

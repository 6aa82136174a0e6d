import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

/**
 * A JVM with N threads that start, block once and stay parked: an idle service of that many
 * threads. Prints READY once all have run, then lives S seconds. Usage: java scripts/IdleThreads.java N S
 */
public class IdleThreads {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        CountDownLatch started = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            Thread.ofPlatform().daemon().name("idle-" + i).start(() -> {
                started.countDown();
                while (true) {
                    LockSupport.park();
                }
            });
        }
        started.await();
        System.out.println("READY");
        Thread.sleep(Long.parseLong(args[1]) * 1000);
    }
}

import java.util.concurrent.SynchronousQueue;

/**
 * Two threads handing a token back and forth as fast as they can: a storm of context switches in
 * a process the agent does not watch. Usage: java scripts/PingPong.java SECONDS
 */
public class PingPong {
    public static void main(String[] args) throws Exception {
        long end = System.nanoTime() + Long.parseLong(args[0]) * 1_000_000_000L;
        SynchronousQueue<Integer> ping = new SynchronousQueue<>();
        SynchronousQueue<Integer> pong = new SynchronousQueue<>();
        Thread echo = Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    pong.put(ping.take());
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        long rounds = 0;
        while (System.nanoTime() < end) {
            ping.put(1);
            pong.take();
            rounds++;
        }
        echo.interrupt();
        System.out.println("pingpong rounds " + rounds);
    }
}

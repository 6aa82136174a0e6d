package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A thread that waits on the disk: "syncer" writes 64 KiB and fsyncs it, again and again, for
 * the given time, so most of its life is uninterruptible waits in fsync. Prints how many syncs
 * it made and its tid.
 *
 * <p>Arguments: file millis
 */
public final class SyncWorkload {

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        long millis = Long.parseLong(args[1]);
        new BufferedReader(new InputStreamReader(System.in)).readLine(); // "go"
        long[] syncs = new long[2];
        Thread syncer = new Thread(() -> {
            syncs[1] = Truth.currentTid();
            ByteBuffer block = ByteBuffer.allocateDirect(64 * 1024);
            long end = System.nanoTime() + millis * 1_000_000;
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                for (long i = 0; System.nanoTime() < end; i++) {
                    block.clear();
                    c.write(block, (i % 64) * block.capacity());
                    c.force(false);
                    syncs[0]++;
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "syncer");
        syncer.start();
        syncer.join();
        Files.deleteIfExists(file);
        System.out.println("SYNCED tid=" + syncs[1] + " syncs=" + syncs[0]);
    }
}

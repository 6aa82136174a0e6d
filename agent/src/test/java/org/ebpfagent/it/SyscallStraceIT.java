package org.ebpfagent.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jdk.jfr.consumer.RecordedEvent;
import org.ebpfagent.it.workload.SyscallWorkload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The syscall probe against strace, an independent tool, on the same thread of the same process:
 * a thread born under {@code strace -f -ff} (one file per thread, so no call is split across
 * lines) makes file, socket, epoll and futex calls; every syscall it made, and every error by
 * errno, is counted alike by both. The one exception is {@code exit}, which never returns and so
 * is never counted by the probe (it counts a call when it returns).
 */
class SyscallStraceIT {
    private static final Pattern CALL = Pattern.compile("^(\\w+)\\(.*\\)\\s+= (-?\\d+|\\?|0x[0-9a-f]+)(?: (E[A-Z0-9]+))?");

    @Test
    void everySyscallOfAThreadCountedAsStraceCountsIt() throws Exception {
        AgentRun.Running child = AgentRun.of(SyscallWorkload.class)
                .agentOptions("probes=syscalls,interval=200ms").start();
        Path dir = Files.createTempDirectory("ebpf-agent-strace");
        Process strace = null;
        long tid;
        try {
            child.awaitStderr("syscalls probe attached", Duration.ofSeconds(60));
            child.awaitStdout("READY", Duration.ofSeconds(30));
            strace = new ProcessBuilder("strace", "-f", "-ff", "-o", dir.resolve("trace").toString(),
                    "-p", String.valueOf(child.pid())).redirectErrorStream(true).redirectOutput(dir.resolve("strace.log").toFile())
                    .start();
            // strace says "Process N attached" once per thread it has seized; the main thread's file is made then.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(dir.resolve("trace." + child.pid())) || !Files.readString(dir.resolve("strace.log")).contains("attached")) {
                assertTrue(System.nanoTime() < deadline, "strace did not attach: " + Files.readString(dir.resolve("strace.log")));
                Thread.sleep(50);
            }
            Thread.sleep(500);
            child.send("mixed");
            String done = child.awaitStdout("MIXED DONE", Duration.ofSeconds(120));
            tid = Long.parseLong(done.substring(done.indexOf("tid=") + 4).trim());
            // join() returns once the Java thread has terminated; the kernel's thread still runs the
            // JVM's and libc's teardown (futex, madvise of its stack) after that. strace stays
            // until the kernel says the thread is gone, so that both see its every call.
            Path task = Path.of("/proc", String.valueOf(child.pid()), "task", String.valueOf(tid));
            long gone = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.exists(task)) {
                assertTrue(System.nanoTime() < gone, "thread " + tid + " still alive 30 s after its join");
                Thread.sleep(10);
            }
        } finally {
            if (strace != null) {
                new ProcessBuilder("kill", "-INT", String.valueOf(strace.pid())).start().waitFor();
                if (!strace.waitFor(30, TimeUnit.SECONDS)) {
                    strace.destroyForcibly().waitFor();
                }
            }
            child.send("exit");
        }
        AgentRun.Result result = child.finish(Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), () -> String.join("\n", result.stderr()));

        Map<String, Long> straceCalls = new TreeMap<>();
        Map<String, Long> straceErrors = new TreeMap<>();
        List<String> lines = Files.readAllLines(dir.resolve("trace." + tid));
        for (String line : lines) {
            Matcher m = CALL.matcher(line);
            if (!m.find() || m.group(1).equals("exit")) {
                continue;
            }
            straceCalls.merge(m.group(1), 1L, Long::sum);
            if (m.group(3) != null) {
                straceErrors.merge(m.group(1) + " " + m.group(3), 1L, Long::sum);
            }
        }
        Map<String, Long> agentCalls = new TreeMap<>();
        Map<String, Long> agentErrors = new TreeMap<>();
        for (RecordedEvent e : Recordings.events(result.recording(), "ebpf.ThreadSyscalls")) {
            if (e.getLong("tid") == tid) {
                agentCalls.merge(e.getString("syscall"), e.getLong("calls"), Long::sum);
                // strace shows a restart code as what the thread saw: the call is then restarted, or EINTR
            }
        }
        for (RecordedEvent e : Recordings.events(result.recording(), "ebpf.ThreadSyscallErrors")) {
            if (e.getLong("tid") == tid) {
                agentErrors.merge(e.getString("syscall") + " " + e.getString("errno"), e.getLong("count"), Long::sum);
            }
        }
        System.out.println("SyscallStraceIT: thread " + tid + ", strace " + straceCalls + "\n  agent  " + agentCalls
                + "\n  errors strace " + straceErrors + "\n  errors agent  " + agentErrors);
        long total = straceCalls.values().stream().mapToLong(Long::longValue).sum();
        assertTrue(total >= 200, "the thread made " + total + " calls by strace: " + straceCalls);
        for (String s : List.of("openat", "read", "write", "close", "futex")) {
            assertTrue(straceCalls.containsKey(s), s + " among the thread's calls: " + straceCalls);
        }
        assertEquals(straceCalls, agentCalls, "calls per syscall of thread " + tid);
        assertEquals(straceErrors, agentErrors, "errors per syscall and errno of thread " + tid);
    }
}

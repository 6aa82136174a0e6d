package org.ebpfagent.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Runs a workload class in a child JVM with the real agent jar and a JFR recording, the way a
 * user would: {@code java -javaagent:ebpf-agent.jar=... -XX:StartFlightRecording:... Main}.
 */
public final class AgentRun {
    static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    static final Path AGENT_JAR = Path.of(System.getProperty("ebpfagent.jar", "target/ebpf-agent.jar")).toAbsolutePath();
    static final Path JFC = Path.of(System.getProperty("ebpfagent.jfc", "../jfr-events/src/main/resources/ebpf.jfc")).toAbsolutePath();
    /** target/test-classes, where the workloads live. */
    static final String WORKLOAD_CLASSES = classesOf(AgentRun.class);

    private final String mainClass;
    private final List<String> args = new ArrayList<>();
    private final List<String> prefix = new ArrayList<>();
    private final List<String> jvmOptions = new ArrayList<>();
    private String agentOptions = "";
    private boolean agent = true;
    private boolean cpusToSpare;
    private boolean jdkEvents;
    private boolean recording = true;
    private String classPath = WORKLOAD_CLASSES;

    private AgentRun(String mainClass) {
        this.mainClass = mainClass;
    }

    public static AgentRun of(Class<?> main) {
        return new AgentRun(main.getName());
    }

    public AgentRun args(String... a) {
        args.addAll(List.of(a));
        return this;
    }

    /** Options after {@code -javaagent:ebpf-agent.jar=}. */
    public AgentRun agentOptions(String options) {
        agentOptions = options;
        return this;
    }

    public AgentRun withoutAgent() {
        agent = false;
        return this;
    }

    /** A command the JVM runs under, e.g. {@code unshare --pid --fork}. */
    public AgentRun under(String... command) {
        prefix.addAll(List.of(command));
        return this;
    }

    /**
     * Shields the child from the rest of a shared machine, for tests whose oracle is the run-queue
     * wait their workload makes itself: the child gets its own session, so its own autogroup (the
     * scheduler shares the CPUs between autogroups before it shares them between threads), at nice
     * -20, where other processes' groups weigh 1024 to its 88761. Measured with other processes
     * keeping both CPUs busy (load 13-20): a spinner with a CPU to spare waited for one 0.7-2.4% of
     * its time instead of 61-67%. On a kernel without autogroups the child runs unshielded.
     */
    public AgentRun withCpusToSpare() {
        cpusToSpare = true;
        return this;
    }

    /** No recording from the JVM's start (the application may start one: a recording file is then its own). */
    public AgentRun withoutRecording() {
        recording = false;
        return this;
    }

    /** Records the JDK's own events too (settings=default), as a user opening it in JMC would. */
    public AgentRun withJdkEvents() {
        jdkEvents = true;
        return this;
    }

    /** The child's class path instead of the workloads' classes, e.g. the sample app's. */
    public AgentRun classPath(String path) {
        classPath = path;
        return this;
    }

    public AgentRun jvmOption(String option) {
        jvmOptions.add(option);
        return this;
    }

    /** Starts the child; its recording goes to a fresh directory anyone may write (for setpriv runs). */
    public Running start() throws IOException {
        Path dir = Files.createTempDirectory("ebpf-agent-it");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path recording = dir.resolve("recording.jfr");
        List<String> cmd = new ArrayList<>();
        if (cpusToSpare) {
            // The shell is the new session's first process: the autogroup it renices is the child's.
            cmd.addAll(List.of("setsid", "sh", "-c", "echo -20 2>/dev/null >/proc/self/autogroup"
                    + " || echo 'AgentRun: no autogroup, the run is not shielded' >&2; exec \"$@\"", "sh"));
        }
        cmd.addAll(prefix);
        cmd.add(JAVA.toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        if (agent) {
            cmd.add("-javaagent:" + AGENT_JAR + (agentOptions.isEmpty() ? "" : "=" + agentOptions));
        }
        if (this.recording) {
            cmd.add("-XX:StartFlightRecording:settings=" + (jdkEvents ? "default,settings=" : "") + JFC + ",filename=" + recording);
        }
        cmd.add("-Xlog:jfr+startup=warning");
        cmd.addAll(jvmOptions);
        // Only the workloads' own classes: like a user's application, the child gets the agent
        // from the agent jar alone, never from the build's class path.
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(mainClass);
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).start();
        return new Running(p, recording, String.join(" ", cmd));
    }

    /** A child JVM: its output as it arrives, its stdin, and its end. */
    public static final class Running {
        private final Process process;
        private final Path recording;
        private final String command;
        private final List<String> stdout = new CopyOnWriteArrayList<>();
        private final List<String> stderr = new CopyOnWriteArrayList<>();
        private final Thread outReader;
        private final Thread errReader;

        Running(Process process, Path recording, String command) {
            this.process = process;
            this.recording = recording;
            this.command = command;
            outReader = Thread.ofPlatform().daemon().start(() -> drain(process.inputReader(), stdout));
            errReader = Thread.ofPlatform().daemon().start(() -> drain(process.errorReader(), stderr));
        }

        public long pid() {
            return process.pid();
        }

        /**
         * Loads the agent into the running child through the Attach API (its agentmain), as a
         * late attach does; the child needs -XX:+EnableDynamicAgentLoading.
         */
        public void loadAgent(String options) throws Exception {
            com.sun.tools.attach.VirtualMachine vm = com.sun.tools.attach.VirtualMachine.attach(String.valueOf(pid()));
            try {
                vm.loadAgent(AGENT_JAR.toString(), options);
            } finally {
                vm.detach();
            }
        }

        /** Waits until a line of stderr contains {@code text}; returns it. */
        public String awaitStderr(String text, Duration timeout) throws InterruptedException {
            return await(stderr, text, timeout);
        }

        /** Waits until a line of stdout contains {@code text}; returns it. */
        public String awaitStdout(String text, Duration timeout) throws InterruptedException {
            return await(stdout, text, timeout);
        }

        public void send(String line) throws IOException {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        /** Waits for the exit; kills the child if it takes longer than {@code timeout}. */
        public Result finish(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("child JVM did not exit within " + timeout + ": " + command
                        + "\nstdout: " + stdout + "\nstderr: " + stderr);
            }
            outReader.join(5000);
            errReader.join(5000);
            return new Result(process.exitValue(), List.copyOf(stdout), List.copyOf(stderr), recording);
        }

        private String await(List<String> lines, String text, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (String l : lines) {
                    if (l.contains(text)) {
                        return l;
                    }
                }
                if (!process.isAlive() && !outReader.isAlive() && !errReader.isAlive()) {
                    break;
                }
                Thread.sleep(20);
            }
            throw new AssertionError("no line containing '" + text + "' within " + timeout
                    + "\nstdout: " + stdout + "\nstderr: " + stderr);
        }

        private static void drain(BufferedReader reader, List<String> into) {
            try (reader) {
                String line;
                while ((line = reader.readLine()) != null) {
                    into.add(line);
                }
            } catch (IOException ignored) {
                // the child is gone
            }
        }
    }

    static String classesOf(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a finished child left behind. */
    public record Result(int exitCode, List<String> stdout, List<String> stderr, Path recording) {
        /** Lines the agent logged (its logger is named ebpf-agent). */
        public List<String> agentLines() {
            return stderr.stream().filter(l -> l.contains(" ebpf-agent")).toList();
        }
    }
}

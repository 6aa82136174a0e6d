package org.ebpfagent.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.ebpfagent.it.workload.ExitCodeWorkload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every way the agent can fail leaves the application alone: it runs to its end with its own exit
 * code (42), and the agent says what went wrong in exactly one line (ERROR for a bad option, WARN
 * for what the machine lacks) that names the cause and what to do, without a stack trace.
 * The application is {@link ExitCodeWorkload}; none of these runs ever attaches a probe.
 */
class FailureIT {
    static final int APP_EXIT = 42;
    static final Pattern AGENT_LINE = Pattern.compile("^(TRACE|DEBUG|INFO|WARN|ERROR) ebpf-agent(\\.\\S+)? - .*");
    static final List<String> KEYS = List.of("probes", "interval", "log", "maxThreads", "libbpf", "attach");

    /** Hides the kernel's BTF from the child: a private mount namespace with /dev/null over it. */
    static final String[] WITHOUT_BTF = {"unshare", "--mount", "--propagation", "private", "sh", "-c",
            "mount --bind /dev/null /sys/kernel/btf/vmlinux && exec \"$0\" \"$@\""};
    /** User nobody with no capabilities at all. */
    static final String[] AS_NOBODY = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            "--inh-caps=-all"};

    static final String CLASSES = AgentRun.WORKLOAD_CLASSES;

    private static AgentRun.Result btfRun;

    @Test
    void unknownOptionKey() throws Exception {
        String line = theOneAgentLine(run(AgentRun.of(ExitCodeWorkload.class).agentOptions("bogus=1")), "ERROR");
        assertMentions(line, "'bogus'", "accepted keys");
        assertMentions(line, KEYS.toArray(String[]::new));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            interval=fast           | interval   | fast        | 10ms;3600s;500ms
            interval=5ms            | interval   | 5ms         | 10ms;3600s
            probes=nonexistent      | probes     | nonexistent | sched
            log=loud                | log        | loud        | error;warn;info;debug;trace
            maxThreads=0            | maxThreads | 0           | 64;4194304
            """)
    void badOptionValue(String options, String option, String value, String accepted) throws Exception {
        String line = theOneAgentLine(run(AgentRun.of(ExitCodeWorkload.class).agentOptions(options)), "ERROR");
        assertMentions(line, "option '" + option + "'", "'" + value + "'", "accepted");
        assertMentions(line, accepted.split(";"));
    }

    @Test
    void missingLibbpf() throws Exception {
        String line = theOneAgentLine(run(AgentRun.of(ExitCodeWorkload.class)
                .agentOptions("libbpf=/nonexistent/libbpf.so.1")), "WARN");
        assertMentions(line, "/nonexistent/libbpf.so.1", "ENOENT", "install libbpf");
    }

    @Test
    void missingPrivileges() throws Exception {
        // nobody must be able to read the agent jar, the settings and the workload's class (the
        // child's class path is the workload classes alone, never the Maven repository).
        String workloadClass = CLASSES + "/" + ExitCodeWorkload.class.getName().replace('.', '/') + ".class";
        String readable = sh(AS_NOBODY, "test -r '" + AgentRun.AGENT_JAR + "' && test -r '" + AgentRun.JFC
                + "' && test -r '" + workloadClass + "' && echo readable; id -u");
        assertEquals("readable\n65534\n", readable, "as nobody: agent jar, settings, workload class readable; uid");

        AgentRun.Result r = run(AgentRun.of(ExitCodeWorkload.class).under(AS_NOBODY));
        // The application really ran as nobody without capabilities (its own /proc/self/status).
        assertTrue(r.stdout().contains("identity euid=65534 capEff=0000000000000000"), () -> "stdout: " + r.stdout());
        String line = theOneAgentLine(r, "WARN");
        assertMentions(line, "EPERM", "CAP_BPF", "CAP_PERFMON", "root");
    }

    @Test
    void missingBtfLeavesTheApplicationAlone() throws Exception {
        String line = theOneAgentLine(btfRun(), "WARN");
        assertMentions(line, "sched probe not loaded");
    }

    /** The WARN must say that BTF is missing (libbpf reports a missing vmlinux BTF as ESRCH). */
    @Test
    void missingBtfWarningNamesBtf() throws Exception {
        String line = theOneAgentLine(btfRun(), "WARN");
        assertMentions(line, "BTF", "/sys/kernel/btf/vmlinux");
    }

    /** One run without BTF shared by the tests about it. */
    private static synchronized AgentRun.Result btfRun() throws Exception {
        if (btfRun == null) {
            // The namespace trick must work, or the test would not test what it says.
            assertEquals("0\n", sh(WITHOUT_BTF, "wc -c < /sys/kernel/btf/vmlinux"),
                    "bytes of /sys/kernel/btf/vmlinux in the child's mount namespace");
            btfRun = run(AgentRun.of(ExitCodeWorkload.class).under(WITHOUT_BTF));
        }
        return btfRun;
    }

    private static AgentRun.Result run(AgentRun run) throws Exception {
        // No "sched probe attached" to wait for: it never comes.
        return run.start().finish(Duration.ofSeconds(30));
    }

    /**
     * Checks what every failure has in common and returns the agent's one line: the application
     * ran to its end with its own exit code, the agent logged exactly one line at {@code level},
     * nothing printed a stack trace, and the recording holds no event of the agent's.
     */
    static String theOneAgentLine(AgentRun.Result r, String level) throws IOException {
        String all = "\nstdout: " + r.stdout() + "\nstderr: " + r.stderr();
        assertEquals(APP_EXIT, r.exitCode(), () -> "the application's exit code" + all);
        assertTrue(r.stdout().contains("workload ran"), () -> "the application did not run" + all);
        List<String> agentLines = r.stderr().stream()
                .filter(l -> AGENT_LINE.matcher(l).matches() || l.contains("ebpf-agent")).toList();
        assertEquals(1, agentLines.size(), () -> "agent lines: " + agentLines + all);
        String line = agentLines.get(0);
        assertTrue(line.startsWith(level + " ebpf-agent - "), () -> "expected a " + level + " line: " + line);
        for (String l : r.stderr()) {
            assertFalse(l.startsWith("\tat ") || l.contains("Exception in thread") || l.startsWith("Caused by:"),
                    () -> "stack trace in stderr" + all);
        }
        assertEquals(0, Recordings.events(r.recording(), "ebpf.ThreadScheduling").size(), "ThreadScheduling events");
        assertEquals(0, Recordings.events(r.recording(), "ebpf.AgentStatistics").size(), "AgentStatistics events");
        System.out.println(line);
        return line;
    }

    static void assertMentions(String line, String... texts) {
        for (String t : texts) {
            assertTrue(line.contains(t), () -> "'" + t + "' missing from: " + line);
        }
    }

    /** Runs a shell command under {@code prefix}; returns its stdout. */
    static String sh(String[] prefix, String command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(prefix));
        cmd.addAll(List.of("sh", "-c", command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "timed out: " + cmd);
        return out;
    }
}

package org.ebpfagent.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code java -jar ebpf-agent.jar <command> ...} run the way a user or CI runs it, in its own JVM. */
public record Cli(int exit, String out, String err) {

    public static Cli run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(AgentRun.JAVA.toString(), "-jar", AgentRun.AGENT_JAR.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("ebpf-agent-cli", ".out");
        Path err = Files.createTempFile("ebpf-agent-cli", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            // A guard against a hung command, not a measure: a report took over 60 s at load 14.
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the command did not finish in 300 s: " + cmd);
            }
            Cli c = new Cli(p.exitValue(), Files.readString(out), Files.readString(err));
            System.out.println("$ " + String.join(" ", cmd) + "\n" + c.out + c.err + "(exit " + c.exit + ")");
            return c;
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }
}

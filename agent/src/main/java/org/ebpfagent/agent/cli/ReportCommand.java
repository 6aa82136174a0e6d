package org.ebpfagent.agent.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The report command: a recording's per-thread table as text, markdown or JSON. */
final class ReportCommand {
    static final String USAGE = """
            usage: java -jar ebpf-agent.jar report REC.jfr [--format text|markdown|json] [-o FILE]

            Per thread of the recording (Java threads by their name, JVM-internal ones by their OS name,
            marked *): time on a CPU, waiting in the run queue, off-CPU, wait share, voluntary and
            involuntary switches, migrations, and the top reasons it was off-CPU (the syscall it
            blocked in, e.g. futex for locks, parks and sleeps, read or epoll_wait for I/O, and
            whether it slept uninterruptibly). Then the agent's own health: polls, drops, misses.

              --format text|markdown|json   default text; markdown suits a CI summary, json a script
              -o FILE                       write to FILE instead of stdout

            exit codes: 0 done, 1 no ebpf events, 2 bad arguments, 3 unreadable recording or -o not writable""";

    private ReportCommand() {}

    static int run(List<String> args, PrintStream out, PrintStream err) {
        CommandLine c;
        String format;
        try {
            c = CommandLine.parse(args, List.of("--format", "-o"));
            format = c.choice("--format", "text", "markdown", "json");
            if (!c.help && c.files.size() != 1) {
                throw new IllegalArgumentException("report takes one recording, REC.jfr; got " + c.files.size());
            }
        } catch (IllegalArgumentException e) {
            err.println("ebpf-agent report: " + e.getMessage() + "\n" + USAGE);
            return Main.USAGE;
        }
        if (c.help) {
            out.println(USAGE);
            return Main.OK;
        }
        Path file = c.files.get(0);
        int readable = Main.readable(file, err);
        if (readable != Main.OK) {
            return readable;
        }
        Report report;
        try {
            report = Report.read(file);
        } catch (IOException e) {
            return Main.unreadable(file, e, err);
        }
        if (report.isEmpty()) {
            return Main.noEvents(file, err);
        }
        String output = c.options.get("-o");
        try (OutputStream sink = output == null ? null : Files.newOutputStream(Path.of(output))) {
            PrintStream to = sink == null ? out : new PrintStream(sink, false, StandardCharsets.UTF_8);
            switch (format) {
                case "markdown" -> ReportWriter.markdown(report, to);
                case "json" -> ReportWriter.json(report, to);
                default -> ReportWriter.text(report, to);
            }
            to.flush();
        } catch (IOException e) {
            err.println("ebpf-agent report: cannot write " + output + ": " + e.getMessage());
            return Main.UNREADABLE;
        }
        return Main.OK;
    }
}

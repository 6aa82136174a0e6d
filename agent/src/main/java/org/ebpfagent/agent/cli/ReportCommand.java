package org.ebpfagent.agent.cli;

import java.io.PrintStream;
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
            whether it slept uninterruptibly). With the TCP probe's events, TCP per thread and per
            remote endpoint; with the syscall probe's, syscalls per thread and for the process
            (calls, errors, time, p99), the commonest errnos and the slowest calls. Then the agent's
            own health: polls, drops, misses, and each probe's losses.

              --format text|markdown|json   default text; markdown suits a CI summary, json a script
              -o FILE, --output=FILE        write to FILE instead of stdout

            exit codes: 0 done, 1 no ebpf events, 2 bad arguments, 3 unreadable recording or -o not writable""";

    private ReportCommand() {}

    static int run(List<String> args, PrintStream out) throws CliError {
        CommandLine c = CommandLine.parse("report", args, List.of("--format", "-o"));
        String format = c.choice("report", "--format", "text", "markdown", "json");
        c.expectFiles("report", 1, "one recording, REC.jfr");
        if (c.help) {
            out.println(USAGE);
            return Main.OK;
        }
        Path file = c.files.get(0);
        Report report = RecordingIo.read(file, Report::read);
        if (report.isEmpty()) {
            throw RecordingIo.noEvents(file);
        }
        RecordingIo.write(c.value("-o"), out, to -> {
            switch (format) {
                case "markdown" -> ReportWriter.markdown(report, to);
                case "json" -> ReportWriter.json(report, to);
                default -> ReportWriter.text(report, to);
            }
        });
        return Main.OK;
    }
}

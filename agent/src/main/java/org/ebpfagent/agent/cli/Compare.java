package org.ebpfagent.agent.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** The compare command: two recordings' scheduling per thread group, side by side, as a CI regression gate. */
final class Compare {
    static final String USAGE = """
            usage: java -jar ebpf-agent.jar compare BASE.jfr HEAD.jfr [options]

            Sums ebpf.ThreadScheduling per thread group in each recording, as rates per second of
            measured time (and the TCP probe's events for the process, when present), and fails when
            HEAD is worse than BASE by more than a limit.

              --fail-on M=+N%[,...]   fail when metric M rises more than N% (waitShare: +Npp, percentage
                                      points); metrics per thread group: onCpu, runQueueWait, offCpu,
                                      voluntarySwitches, involuntarySwitches, migrations, waitShare; for
                                      the process's TCP (probes=sched+tcp): connectTimeP99,
                                      connectFailures, retransmits, tcpBytes; repeatable
              --min-share P%          noise floor: a group under P% of the process's amount of a metric
                                      in both runs is shown but never fails on it (default 5%)
              --group REGEX=NAME      put threads whose whole name matches REGEX in group NAME (repeatable,
                                      first match wins); otherwise a group is the thread name with
                                      counters replaced by '#': pool-1-thread-7 -> pool-#-thread-#
              --format text|markdown|junit   report format (default text)
              -o FILE, --output=FILE  write the report to FILE; the verdict still goes to stdout

            exit codes: 0 no regression, 4 regression, 1 a recording without ebpf events,
                        2 bad arguments, 3 a file that cannot be read (or -o written)""";

    private Compare() {}

    static int run(List<String> args, PrintStream out) throws CliError {
        CommandLine line = CommandLine.parse("compare", args, List.of("--fail-on", "--min-share", "--group", "--format", "-o"));
        String format = line.choice("compare", "--format", "text", "markdown", "junit");
        line.expectFiles("compare", 2, "two recordings, BASE.jfr HEAD.jfr");
        if (line.help) {
            out.println(USAGE);
            return Main.OK;
        }
        Thresholds thresholds = new Thresholds();
        ThreadGroups groups = new ThreadGroups();
        try {
            line.all("--fail-on").forEach(thresholds::add);
            line.all("--min-share").forEach(thresholds::minShare);
            line.all("--group").forEach(groups::add);
        } catch (IllegalArgumentException e) {
            throw CommandLine.usage("compare", e.getMessage());
        }
        List<Path> files = line.files;
        SchedRecording[] recordings = new SchedRecording[2];
        for (int i = 0; i < 2; i++) {
            recordings[i] = RecordingIo.read(files.get(i), f -> SchedRecording.read(f, groups));
            if (recordings[i].isEmpty()) {
                throw RecordingIo.noEvents(files.get(i));
            }
        }

        Comparison c = Comparison.of(files.get(0).toString(), recordings[0], files.get(1).toString(), recordings[1],
                thresholds);
        String report = switch (format) {
            case "markdown" -> CompareReport.markdown(c);
            case "junit" -> JunitReport.xml(c);
            default -> CompareReport.text(c);
        };
        String output = line.value("-o");
        RecordingIo.write(output, out, to -> to.print(report));
        if (output != null) {
            out.print(CompareReport.brief(c)); // the verdict stays in the job's log
            out.flush();
        }
        return c.regressions().isEmpty() ? Main.OK : Main.REGRESSION;
    }
}

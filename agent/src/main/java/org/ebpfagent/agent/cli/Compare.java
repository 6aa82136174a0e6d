package org.ebpfagent.agent.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The compare command: two recordings' scheduling per thread group, side by side, as a CI regression gate. */
final class Compare {
    static final String USAGE = """
            usage: java -jar ebpf-agent.jar compare BASE.jfr HEAD.jfr [options]

            Sums ebpf.ThreadScheduling per thread group in each recording, as rates per second of
            measured time, and fails when HEAD is worse than BASE by more than a limit.

              --fail-on M=+N%[,...]   fail when metric M rises more than N% (waitShare: +Npp, percentage
                                      points); metrics: onCpu, runQueueWait, offCpu, voluntarySwitches,
                                      involuntarySwitches, migrations, waitShare; repeatable
              --min-share P%          noise floor: a group under P% of the process's amount of a metric
                                      in both runs is shown but never fails on it (default 5%)
              --group REGEX=NAME      put threads whose whole name matches REGEX in group NAME (repeatable,
                                      first match wins); otherwise a group is the thread name with
                                      counters replaced by '#': pool-1-thread-7 -> pool-#-thread-#
              --format text|markdown|junit   report format (default text)
              -o FILE                 write the report to FILE; the verdict still goes to stdout

            exit codes: 0 no regression, 4 regression, 1 a recording without ebpf events,
                        2 bad arguments, 3 a file that cannot be read (or -o written)""";

    private Compare() {}

    static int run(List<String> args, PrintStream out, PrintStream err) {
        Thresholds thresholds = new Thresholds();
        ThreadGroups groups = new ThreadGroups();
        List<Path> files = new ArrayList<>();
        String format = "text";
        Path output = null;
        try {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--help") || a.equals("-h")) {
                    out.println(USAGE);
                    return Main.OK;
                }
                if (!a.startsWith("-") || a.equals("-")) {
                    files.add(Path.of(a));
                    continue;
                }
                // --opt value and --opt=value both: the second form survives CI variable expansion better.
                int eq = a.indexOf('=');
                String option = a.startsWith("--") && eq > 0 ? a.substring(0, eq) : a;
                String value;
                if (option.length() < a.length()) {
                    value = a.substring(eq + 1);
                } else if (i + 1 < args.size()) {
                    value = args.get(++i);
                } else {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                switch (option) {
                    case "--fail-on" -> thresholds.add(value);
                    case "--min-share" -> thresholds.minShare(value);
                    case "--group" -> groups.add(value);
                    case "--format" -> {
                        if (!List.of("text", "markdown", "junit").contains(value)) {
                            throw new IllegalArgumentException("--format takes text, markdown or junit, not '" + value + "'");
                        }
                        format = value;
                    }
                    case "-o", "--output" -> output = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option '" + option
                            + "' (accepted: --fail-on, --min-share, --group, --format, -o)");
                }
            }
            if (files.size() != 2) {
                throw new IllegalArgumentException("compare takes two recordings, BASE.jfr HEAD.jfr; got " + files.size());
            }
        } catch (IllegalArgumentException e) {
            err.println("ebpf-agent: " + e.getMessage());
            err.println("(java -jar ebpf-agent.jar compare --help for usage)");
            return Main.USAGE;
        }

        SchedRecording[] recordings = new SchedRecording[2];
        for (int i = 0; i < 2; i++) {
            Path file = files.get(i);
            try {
                if (!Files.exists(file)) {
                    err.println("ebpf-agent: no such file: " + file);
                    return Main.UNREADABLE;
                }
                if (Files.isDirectory(file)) {
                    err.println("ebpf-agent: " + file + " is a directory, not a recording");
                    return Main.UNREADABLE;
                }
                recordings[i] = SchedRecording.read(file, groups);
            } catch (IOException e) {
                err.println("ebpf-agent: cannot read " + file + " as a JFR recording: " + e.getMessage());
                return Main.UNREADABLE;
            } catch (RuntimeException e) {
                // jdk.jfr.consumer reads a truncated file past its end with unchecked exceptions.
                err.println("ebpf-agent: cannot read " + file + ", a damaged or truncated recording (" + e + ")");
                return Main.UNREADABLE;
            }
            if (recordings[i].isEmpty()) {
                err.println("ebpf-agent: " + file + " holds no ebpf.ThreadScheduling events "
                        + "(was the agent attached and the ebpf events enabled, e.g. with settings=ebpf.jfc?)");
                return Main.NO_EVENTS;
            }
        }

        Comparison c = Comparison.of(files.get(0).toString(), recordings[0], files.get(1).toString(), recordings[1],
                thresholds);
        String report = switch (format) {
            case "markdown" -> CompareReport.markdown(c);
            case "junit" -> JunitReport.xml(c);
            default -> CompareReport.text(c);
        };
        if (output == null) {
            out.print(report);
        } else {
            try {
                Files.writeString(output, report, StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("ebpf-agent: cannot write " + output + ": "
                        + (e instanceof NoSuchFileException ? "no such directory" : e.toString()));
                return Main.UNREADABLE;
            }
            out.print(CompareReport.brief(c));
        }
        out.flush();
        return c.regressions().isEmpty() ? Main.OK : Main.REGRESSION;
    }
}

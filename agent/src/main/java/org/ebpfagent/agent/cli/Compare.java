package org.ebpfagent.agent.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import org.ebpfagent.agent.threads.ThreadGroups;

/** The compare command: two recordings' scheduling per thread group, side by side, as a CI regression gate. */
final class Compare {
    static final String USAGE = """
            usage: java -jar ebpf-agent.jar compare BASE.jfr HEAD.jfr [options]

            Sums ebpf.ThreadScheduling per thread group in each recording, as rates per second of
            measured time (and the TCP and syscall probes' events for the process, when present), and
            fails when HEAD is worse than BASE by more than a limit.

              --fail-on M=+N%[,...]   fail when metric M rises more than N% (waitShare: +Npp, percentage
                                      points); metrics per thread group: onCpu, runQueueWait, offCpu,
                                      voluntarySwitches, involuntarySwitches, migrations, waitShare; for
                                      the process's TCP (probes=sched+tcp): connectTimeP99,
                                      connectFailures, retransmits, tcpBytes; for the syscall probe
                                      (probes=sched+syscalls): syscall:NAME.METRIC, NAME a syscall
                                      (futex, read, ...) or * for each syscall and their total,
                                      METRIC calls, errors (per second), time (ms/s), p99 (ms), e.g.
                                      syscall:futex.calls=+20%,syscall:*.errors=+100%; repeatable
              --min-share P%          noise floor: a group under P% of the process's amount of a metric
                                      in both runs (waitShare: of its runnable time, in either run)
                                      is shown but never fails on it (default 5%); so is
                                      a syscall judged by a syscall:* limit (one named is always judged)
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

        checkSyscallGates(thresholds, recordings[0].syscalls, recordings[1].syscalls);
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

    /**
     * A syscall limit that can judge nothing is refused rather than passed: a gate on a misspelt
     * syscall, or on recordings made without the syscall probe, would pass every build.
     */
    private static void checkSyscallGates(Thresholds thresholds, SyscallTotals base, SyscallTotals head) throws CliError {
        for (SyscallGate g : thresholds.syscallGates()) {
            if (base.isEmpty() && head.isEmpty()) {
                throw CommandLine.usage("compare", "--fail-on " + g.label() + ": neither recording has syscall events "
                        + "(ebpf.ThreadSyscalls; record with -javaagent:ebpf-agent.jar=probes=sched+syscalls)");
            }
            if (!g.syscall().equals(SyscallGate.ANY) && !base.bySyscall.containsKey(g.syscall())
                    && !head.bySyscall.containsKey(g.syscall())) {
                throw CommandLine.usage("compare", "--fail-on " + g.label() + ": neither recording has syscall '"
                        + g.syscall() + "' (their busiest: " + busiest(base, head) + ")");
            }
        }
    }

    private static String busiest(SyscallTotals base, SyscallTotals head) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        head.byTime().forEach(s -> names.add(s.syscall));
        base.byTime().forEach(s -> names.add(s.syscall));
        return String.join(", ", names.stream().limit(8).toList());
    }
}

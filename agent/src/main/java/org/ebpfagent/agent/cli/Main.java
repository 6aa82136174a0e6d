package org.ebpfagent.agent.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * {@code java -jar ebpf-agent.jar <command> ...}: tools over recordings the agent wrote.
 * Exit codes: 0 done, 1 the recording has no ebpf events, 2 bad arguments, 3 unreadable file,
 * 4 compare found a regression.
 */
public final class Main {
    static final int OK = 0;
    static final int NO_EVENTS = 1;
    static final int USAGE = 2;
    static final int UNREADABLE = 3;
    static final int REGRESSION = 4;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            out.println(usage());
            return args.length == 0 ? USAGE : OK;
        }
        List<String> rest = List.of(args).subList(1, args.length);
        try {
            return switch (args[0]) {
                case "report", "summary" -> ReportCommand.run(rest, out);
                case "flame" -> FlameCommand.run(rest, out);
                case "compare" -> Compare.run(rest, out);
                default -> throw new CliError(USAGE, "ebpf-agent: unknown command '" + args[0]
                        + "' (accepted: report, flame, compare)");
            };
        } catch (CliError e) {
            err.println(e.getMessage());
            return e.exitCode;
        }
    }

    static String usage() {
        return """
                usage: java -jar ebpf-agent.jar <command> [args]    (<command> --help for details)

                commands:
                  report REC.jfr [--format text|markdown|json] [-o FILE]
                                    per Java thread: on-CPU, run-queue wait, off-CPU and its top reasons
                                    (the syscalls threads blocked in), switches, migrations; agent health;
                                    TCP and syscall sections when those probes ran
                  flame REC.jfr -o OUT.html [--format html|collapsed] [--title TEXT] [--kind states|syscalls]
                                    flame graph of where the threads' time went: thread -> on-CPU /
                                    run-queue wait / off-CPU -> reason (async-profiler's renderer);
                                    --kind syscalls: thread -> syscall:NAME, by time in the syscall
                  compare BASE.jfr HEAD.jfr [--fail-on runQueueWait=+10%,waitShare=+5pp] [--format text|markdown|junit]
                          [-o FILE] [--group REGEX=NAME] [--min-share 5%]
                                    per-thread-group rates of two recordings side by side; a CI regression gate

                exit codes: 0 done, 1 no ebpf events in the recording, 2 bad arguments, 3 unreadable file
                            (or output not writable), 4 compare found a regression

                as an agent: java --enable-native-access=ALL-UNNAMED \\
                               -javaagent:ebpf-agent.jar[=probes=sched,interval=1s,log=info,maxThreads=32768,libbpf=libbpf.so.1,attach=auto] \\
                               -XX:StartFlightRecording:settings=default,settings=ebpf.jfc,filename=rec.jfr ...""";
    }
}

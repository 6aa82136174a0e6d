package org.ebpfagent.agent.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
        if (args[0].equals("compare")) {
            return Compare.run(List.of(args).subList(1, args.length), out, err);
        }
        if (!args[0].equals("summary")) {
            err.println("ebpf-agent: unknown command '" + args[0] + "' (accepted: summary, compare)");
            return USAGE;
        }
        if (args.length == 2 && (args[1].equals("--help") || args[1].equals("-h"))) {
            out.println(usage());
            return OK;
        }
        if (args.length != 2) {
            err.println("ebpf-agent: summary takes one recording file: summary rec.jfr");
            return USAGE;
        }
        Path file = Path.of(args[1]);
        try {
            if (Files.isDirectory(file)) {
                err.println("ebpf-agent: " + file + " is a directory, not a recording");
                return UNREADABLE;
            }
            Summary summary = Summary.read(file);
            if (summary.isEmpty()) {
                err.println("ebpf-agent: " + file + " holds no ebpf.ThreadScheduling events "
                        + "(was the agent attached and the ebpf events enabled, e.g. with settings=ebpf.jfc?)");
                return NO_EVENTS;
            }
            summary.print(out);
            return OK;
        } catch (NoSuchFileException e) {
            err.println("ebpf-agent: no such file: " + file);
            return UNREADABLE;
        } catch (IOException e) {
            err.println("ebpf-agent: cannot read " + file + " as a JFR recording: " + e.getMessage());
            return UNREADABLE;
        }
    }

    static String usage() {
        return """
                usage: java -jar ebpf-agent.jar <command> [args]

                commands:
                  summary REC.jfr   per-thread table of the kernel scheduler measurements in a recording
                  compare BASE.jfr HEAD.jfr [--fail-on runQueueWait=+10%,waitShare=+5pp] [--format text|markdown|junit]
                          [-o FILE] [--group REGEX=NAME] [--min-share 5%]
                                    per-thread-group rates of two recordings side by side; a CI regression gate
                                    (compare --help for details)

                exit codes: 0 done, 1 no ebpf events in the recording, 2 bad arguments, 3 unreadable file,
                            4 compare found a regression

                as an agent: java --enable-native-access=ALL-UNNAMED \\
                               -javaagent:ebpf-agent.jar[=probes=sched,interval=1s,log=info,maxThreads=32768,libbpf=libbpf.so.1,attach=auto] \\
                               -XX:StartFlightRecording:settings=default,settings=ebpf.jfc,filename=rec.jfr ...""";
    }
}

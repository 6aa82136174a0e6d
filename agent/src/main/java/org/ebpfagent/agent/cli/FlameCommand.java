package org.ebpfagent.agent.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** The flame command: where the threads' time went, by kernel state, as a flame graph. */
final class FlameCommand {
    static final String USAGE = """
            usage: java -jar ebpf-agent.jar flame REC.jfr -o OUT.html [--format html|collapsed] [--threads REGEX] [--title TEXT]
                                                [--diff BASE.jfr] [--kind states|syscalls]

            A flame graph of the recording's threads, frame widths in microseconds: each thread
            splits into on-CPU (green), run-queue wait (red) and off-CPU (orange), and off-CPU into
            its reasons (the syscall blocked in, e.g. futex, read, epoll_wait; marked when the wait
            was uninterruptible). Rendered by async-profiler's converter library: click to zoom,
            search with Ctrl+F.

              -o FILE, --output=FILE    output file (required for html; collapsed defaults to stdout)
              --format html|collapsed   html (default) or collapsed stacks, "a;b;c micros" per line,
                                        for other flame graph tools
              --threads REGEX           only threads whose whole name matches, e.g. 'pool-.*|worker-\\d+'
                                        (idle JVM threads are mostly off-CPU and take much of the width)
              --title TEXT              the graph's title (default: ebpf-agent: REC.jfr, with the unit)
              --kind states|syscalls    states (default): time by kernel state, as above; syscalls: each
                                        thread splits into syscall:NAME frames as wide as the time its
                                        calls of NAME took from entry to exit (needs the syscall probe,
                                        probes=sched+syscalls)
              --diff BASE.jfr           a differential graph: REC.jfr's widths, each frame red where its
                                        time grew from BASE.jfr's, blue where it shrank (yellow: new);
                                        collapsed: "a;b;c baseMicros micros" per stack of either

            exit codes: 0 done, 1 no ebpf events, 2 bad arguments, 3 unreadable recording or -o not writable""";

    private FlameCommand() {}

    static int run(List<String> args, PrintStream out) throws CliError {
        CommandLine c = CommandLine.parse("flame", args, List.of("--format", "-o", "--threads", "--title", "--diff", "--kind"));
        String format = c.choice("flame", "--format", "html", "collapsed");
        String kind = c.choice("flame", "--kind", Flame.STATES, Flame.SYSCALLS);
        c.expectFiles("flame", 1, "one recording, REC.jfr");
        Pattern threads = null;
        if (c.value("--threads") != null) {
            try {
                threads = Pattern.compile(c.value("--threads"));
            } catch (PatternSyntaxException e) {
                throw CommandLine.usage("flame", "--threads takes a regular expression: " + e.getDescription());
            }
        }
        if (c.help) {
            out.println(USAGE);
            return Main.OK;
        }
        String output = c.value("-o");
        if (format.equals("html") && output == null) {
            throw CommandLine.usage("flame", "flame needs -o OUT.html (the page is not meant for a terminal)");
        }
        Path file = c.files.get(0);
        Flame flame = read(file, threads, kind);
        Flame base = c.value("--diff") == null ? null : read(Path.of(c.value("--diff")), threads, kind);
        String title = c.value("--title") != null ? c.value("--title")
                : "ebpf-agent: " + file.getFileName() + (base == null ? "" : " against " + Path.of(c.value("--diff")).getFileName())
                        + (kind.equals(Flame.SYSCALLS) ? ", thread time in syscalls" : ", thread time by kernel state")
                        + " (1 sample = 1 µs)";
        RecordingIo.write(output, out, to -> {
            if (format.equals("collapsed")) {
                flame.collapsed(base, to);
            } else {
                flame.html(title, base, to);
            }
        });
        if (output != null) {
            out.println("wrote " + output);
        }
        return Main.OK;
    }

    private static Flame read(Path file, Pattern threads, String kind) throws CliError {
        Flame flame = RecordingIo.read(file, f -> Flame.read(f, threads, kind));
        if (!flame.sawEvents) {
            throw RecordingIo.noEvents(file);
        }
        if (kind.equals(Flame.SYSCALLS) && !flame.sawSyscalls) {
            throw new CliError(Main.NO_EVENTS, "ebpf-agent: " + file + " holds no ebpf.ThreadSyscalls events "
                    + "(--kind syscalls needs the syscall probe: -javaagent:ebpf-agent.jar=probes=sched+syscalls)");
        }
        return flame;
    }
}

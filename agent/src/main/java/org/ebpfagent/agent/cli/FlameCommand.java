package org.ebpfagent.agent.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The flame command: where the threads' time went, by kernel state, as a flame graph. */
final class FlameCommand {
    static final String USAGE = """
            usage: java -jar ebpf-agent.jar flame REC.jfr -o OUT.html [--format html|collapsed] [--threads REGEX] [--title TEXT]

            A flame graph of the recording's threads, frame widths in microseconds: each thread
            splits into on-CPU (green), run-queue wait (red) and off-CPU (orange), and off-CPU into
            its reasons (the syscall blocked in, e.g. futex, read, epoll_wait; marked when the wait
            was uninterruptible). Rendered by async-profiler's converter library: click to zoom,
            search with Ctrl+F.

              -o FILE                   output file (required for html; collapsed defaults to stdout)
              --format html|collapsed   html (default) or collapsed stacks, "a;b;c micros" per line,
                                        for other flame graph tools
              --threads REGEX           only threads whose whole name matches, e.g. 'pool-.*|worker-\\d+'
                                        (idle JVM threads are mostly off-CPU and take much of the width)
              --title TEXT              the graph's title (default: ebpf-agent: REC.jfr, with the unit)

            exit codes: 0 done, 1 no ebpf events, 2 bad arguments, 3 unreadable recording or -o not writable""";

    private FlameCommand() {}

    static int run(List<String> args, PrintStream out, PrintStream err) {
        CommandLine c;
        String format;
        java.util.regex.Pattern threads = null;
        try {
            c = CommandLine.parse(args, List.of("--format", "-o", "--title", "--threads"));
            format = c.choice("--format", "html", "collapsed");
            if (!c.help && c.files.size() != 1) {
                throw new IllegalArgumentException("flame takes one recording, REC.jfr; got " + c.files.size());
            }
            if (c.options.containsKey("--threads")) {
                try {
                    threads = java.util.regex.Pattern.compile(c.options.get("--threads"));
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw new IllegalArgumentException("--threads takes a regular expression: " + e.getDescription());
                }
            }
            if (!c.help && format.equals("html") && !c.options.containsKey("-o")) {
                throw new IllegalArgumentException("flame needs -o OUT.html (the page is not meant for a terminal)");
            }
        } catch (IllegalArgumentException e) {
            err.println("ebpf-agent flame: " + e.getMessage() + "\n" + USAGE);
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
        Flame flame;
        try {
            flame = Flame.read(file, threads);
        } catch (IOException e) {
            return Main.unreadable(file, e, err);
        }
        if (!flame.sawEvents) {
            return Main.noEvents(file, err);
        }
        String output = c.options.get("-o");
        try (OutputStream sink = output == null ? null : Files.newOutputStream(Path.of(output))) {
            PrintStream to = sink == null ? out : new PrintStream(sink, false, StandardCharsets.UTF_8);
            if (format.equals("collapsed")) {
                flame.collapsed(to);
            } else {
                flame.html(c.options.getOrDefault("--title",
                        "ebpf-agent: " + file.getFileName() + ", thread time by kernel state (1 sample = 1 µs)"), to);
            }
            to.flush();
        } catch (IOException e) {
            err.println("ebpf-agent flame: cannot write " + output + ": " + e.getMessage());
            return Main.UNREADABLE;
        }
        if (output != null) {
            out.println("wrote " + output);
        }
        return Main.OK;
    }
}

package org.ebpfagent.agent.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command's arguments: files, and options that each take one value, written {@code --opt value}
 * or {@code --opt=value} (the second survives CI variable expansion better); an option may be
 * repeated. Unknown options and missing values are usage errors that name what is accepted.
 */
final class CommandLine {
    final List<Path> files = new ArrayList<>();
    private final Map<String, List<String>> options = new LinkedHashMap<>();
    boolean help;

    /** Parses {@code args}; {@code command} prefixes error messages ("ebpf-agent report: ..."). */
    static CommandLine parse(String command, List<String> args, List<String> accepted) throws CliError {
        CommandLine c = new CommandLine();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--help") || a.equals("-h")) {
                c.help = true;
                continue;
            }
            if (!a.startsWith("-") || a.equals("-")) {
                c.files.add(Path.of(a));
                continue;
            }
            int eq = a.indexOf('=');
            String option = a.startsWith("--") && eq > 0 ? a.substring(0, eq) : a;
            if (option.equals("--output") && accepted.contains("-o")) {
                option = "-o"; // --output=FILE: the long form takes '=' like the other options
            }
            if (!accepted.contains(option)) {
                throw usage(command, "unknown option '" + option + "' (accepted: " + String.join(", ", accepted) + ")");
            }
            String value;
            if (option.length() < a.length()) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw usage(command, option + " needs a value");
            }
            c.options.computeIfAbsent(option, k -> new ArrayList<>()).add(value);
        }
        return c;
    }

    static CliError usage(String command, String message) {
        return new CliError(Main.USAGE, "ebpf-agent " + command + ": " + message
                + "\n(java -jar ebpf-agent.jar " + command + " --help for usage)");
    }

    /** The option's last value, or null. */
    String value(String option) {
        List<String> v = options.get(option);
        return v == null ? null : v.get(v.size() - 1);
    }

    /** Every value given for a repeatable option, in order. */
    List<String> all(String option) {
        return options.getOrDefault(option, List.of());
    }

    /** The option's value, which must be one of {@code values}; the first is the default. */
    String choice(String command, String option, String... values) throws CliError {
        String v = value(option);
        if (v == null) {
            return values[0];
        }
        if (!List.of(values).contains(v)) {
            throw usage(command, option + " takes " + String.join(", ", values) + ", not '" + v + "'");
        }
        return v;
    }

    /** The files, which must be {@code n} (named as in {@code what}, e.g. "one recording, REC.jfr"). */
    void expectFiles(String command, int n, String what) throws CliError {
        if (!help && files.size() != n) {
            throw usage(command, command + " takes " + what + "; got " + files.size());
        }
    }
}

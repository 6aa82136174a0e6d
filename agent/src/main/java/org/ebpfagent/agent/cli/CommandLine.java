package org.ebpfagent.agent.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command's arguments: files, and options that each take one value, written {@code --opt value}
 * or {@code --opt=value} (the second survives CI variable expansion better). Unknown options and
 * missing values are errors that name what is accepted.
 */
final class CommandLine {
    final List<Path> files = new ArrayList<>();
    final Map<String, String> options = new LinkedHashMap<>();
    boolean help;

    static CommandLine parse(List<String> args, List<String> accepted) {
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
            if (!accepted.contains(option)) {
                throw new IllegalArgumentException("unknown option '" + option + "' (accepted: "
                        + String.join(", ", accepted) + ")");
            }
            String value;
            if (option.length() < a.length()) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException(option + " needs a value");
            }
            c.options.put(option, value);
        }
        return c;
    }

    /** The option's value, which must be one of {@code values}; the first is the default. */
    String choice(String option, String... values) {
        String v = options.get(option);
        if (v == null) {
            return values[0];
        }
        if (!List.of(values).contains(v)) {
            throw new IllegalArgumentException(option + " takes " + String.join(", ", values) + ", not '" + v + "'");
        }
        return v;
    }
}

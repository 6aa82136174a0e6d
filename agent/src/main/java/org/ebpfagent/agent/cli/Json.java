package org.ebpfagent.agent.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A minimal streaming JSON writer for the reports: objects, arrays, strings, numbers, booleans. */
final class Json {
    private final PrintStream out;
    /** Whether the current container already holds a member, so the next one needs a comma. */
    private final java.util.ArrayDeque<Boolean> hasMember = new java.util.ArrayDeque<>();
    private boolean afterKey;

    Json(PrintStream out) {
        this.out = out;
    }

    Json begin(char bracket) {
        separate();
        out.print(bracket);
        hasMember.push(false);
        return this;
    }

    Json end(char bracket) {
        hasMember.pop();
        out.print(bracket);
        return this;
    }

    Json key(String name) {
        separate();
        string(name);
        out.print(':');
        afterKey = true;
        return this;
    }

    void field(String name, String value) {
        key(name);
        separate();
        if (value == null) {
            out.print("null");
        } else {
            string(value);
        }
    }

    void field(String name, long value) {
        key(name);
        separate();
        out.print(value);
    }

    void field(String name, double value) {
        key(name);
        separate();
        out.print(Double.isFinite(value) ? String.format(Locale.ROOT, "%.6g", value).replaceAll("\\.?0+(e|$)", "$1") : "null");
    }

    void field(String name, boolean value) {
        key(name);
        separate();
        out.print(value);
    }

    private void separate() {
        if (afterKey) {
            afterKey = false;
            return;
        }
        if (!hasMember.isEmpty()) {
            if (hasMember.peek()) {
                out.print(',');
            }
            hasMember.pop();
            hasMember.push(true);
        }
    }

    private void string(String s) {
        out.print('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.print("\\\"");
                case '\\' -> out.print("\\\\");
                case '\n' -> out.print("\\n");
                case '\r' -> out.print("\\r");
                case '\t' -> out.print("\\t");
                default -> {
                    if (c < 0x20) {
                        out.printf("\\u%04x", (int) c);
                    } else {
                        out.print(c);
                    }
                }
            }
        }
        out.print('"');
    }
}

package org.ebpfagent.agent.cli;

import java.util.List;

import org.ebpfagent.agent.cli.Comparison.Row;

/**
 * A comparison as JUnit XML, one testcase per group and gated metric, so any CI shows the
 * regressions as failed tests.
 */
final class JunitReport {
    static final String SUITE = "ebpf-agent compare";

    private JunitReport() {}

    static String xml(Comparison c) {
        List<Row> gated = c.gated();
        long failures = gated.stream().filter(r -> r.verdict() == Comparison.Verdict.REGRESSION).count();
        long skipped = gated.stream().filter(r -> r.verdict() != Comparison.Verdict.REGRESSION
                && r.verdict() != Comparison.Verdict.PASS).count();
        String counts = " tests=\"" + gated.size() + "\" failures=\"" + failures + "\" errors=\"0\" skipped=\"" + skipped + "\"";
        StringBuilder s = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        s.append("<testsuites name=\"").append(SUITE).append('"').append(counts).append(">\n");
        s.append("  <testsuite name=\"").append(SUITE).append('"').append(counts).append(" time=\"0\">\n");
        s.append("    <properties>\n");
        property(s, "base", c.baseName);
        property(s, "head", c.headName);
        property(s, "minShare", String.valueOf(c.thresholds.minShare()));
        s.append("    </properties>\n");
        for (Row r : gated) {
            // classname = group, name = metric: CIs group test cases by class, and the names stay
            // the same from run to run, so a CI's test history follows each check.
            s.append("    <testcase classname=\"").append(escape(r.group())).append("\" name=\"").append(r.metric().label())
                    .append("\" time=\"0\"");
            String detail = CompareReport.sentence(r);
            switch (r.verdict()) {
                case REGRESSION -> s.append(">\n      <failure type=\"regression\" message=\"").append(escape(detail))
                        .append("\"/>\n    </testcase>\n");
                case BELOW_FLOOR -> s.append(">\n      <skipped message=\"").append(escape("below the noise floor: " + detail))
                        .append("\"/>\n    </testcase>\n");
                case ONE_SIDED -> s.append(">\n      <skipped message=\"")
                        .append(escape(CompareReport.gate(r) + ": nothing to compare")).append("\"/>\n    </testcase>\n");
                default -> s.append("/>\n");
            }
        }
        String text = escape(CompareReport.text(c)).replace("&#10;", "\n"); // line breaks are fine in element text
        s.append("    <system-out>").append(text).append("</system-out>\n");
        s.append("  </testsuite>\n</testsuites>\n");
        return s.toString();
    }

    private static void property(StringBuilder s, String name, String value) {
        s.append("      <property name=\"").append(name).append("\" value=\"").append(escape(value)).append("\"/>\n");
    }

    /**
     * Escapes for element text and attribute values alike. Thread names may hold anything,
     * including control characters XML 1.0 cannot carry at all: those become U+FFFD.
     */
    static String escape(String text) {
        StringBuilder s = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            switch (cp) {
                case '&' -> s.append("&amp;");
                case '<' -> s.append("&lt;");
                case '>' -> s.append("&gt;");
                case '"' -> s.append("&quot;");
                case '\'' -> s.append("&apos;");
                case '\n' -> s.append("&#10;");
                case '\r' -> s.append("&#13;");
                case '\t' -> s.append("&#9;");
                default -> {
                    boolean legal = cp >= 0x20 && cp <= 0xD7FF || cp >= 0xE000 && cp <= 0xFFFD || cp >= 0x10000;
                    s.appendCodePoint(legal ? cp : 0xFFFD);
                }
            }
        });
        return s.toString();
    }
}

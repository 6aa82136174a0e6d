package org.ebpfagent.agent.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;

/**
 * The report's TCP section, from the TCP probe's events: per thread (connects, failures, connect
 * time p50/p99, bytes, retransmits) and per remote endpoint (connections, failures, connect time
 * p50/p99/max, bytes, retransmits, mean smoothed RTT at close). Not printed when the recording has
 * no TCP events.
 */
final class TcpSection {
    /** Connect times, failures and bytes of one thread or one endpoint. */
    static final class Row {
        String name;
        long tid;
        long connects;
        long failures;
        long connections;
        long bytesSent;
        long bytesReceived;
        long retransmits;
        long srttSum;
        long srttCount;
        final Samples connectTimes = new Samples();

        long quantile(double q) {
            return connectTimes.quantile(q);
        }

        long max() {
            return quantile(1.0);
        }
    }

    private final Map<String, Row> threads = new LinkedHashMap<>();
    private final Map<String, Row> endpoints = new LinkedHashMap<>();

    /** Takes one event of the recording; returns whether it was a TCP one. */
    boolean accept(RecordedEvent e) {
        switch (e.getEventType().getName()) {
            case "ebpf.TcpConnect" -> {
                boolean ok = "established".equals(e.getString("result"));
                for (Row r : List.of(thread(e), endpoint(e))) {
                    if (ok) {
                        r.connects++;
                        r.connectTimes.add(e.getLong("connectTime"));
                    } else {
                        r.failures++;
                    }
                }
                return true;
            }
            case "ebpf.TcpConnection" -> {
                if (e.getBoolean("open")) {
                    return true; // a snapshot: its figures come again, final, at its close
                }
                // Accepted connections are grouped by the local endpoint their clients came to.
                Row r = "server".equals(e.getString("role")) ? endpoint("clients of ", e.getString("localAddress"),
                        e.getInt("localPort")) : endpoint(e);
                r.connections++;
                r.bytesSent += e.getLong("bytesSent");
                r.bytesReceived += e.getLong("bytesReceived");
                r.retransmits += e.getLong("retransmits");
                if (e.getLong("srtt") > 0) {
                    r.srttSum += e.getLong("srtt");
                    r.srttCount++;
                }
                return true;
            }
            case "ebpf.ThreadTcp" -> {
                Row r = thread(e);
                r.bytesSent += e.getLong("bytesSent");
                r.bytesReceived += e.getLong("bytesReceived");
                r.retransmits += e.getLong("retransmits");
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    boolean isEmpty() {
        return threads.isEmpty() && endpoints.isEmpty();
    }

    private Row thread(RecordedEvent e) {
        String name = e.getString("threadName");
        long tid = e.getLong("tid");
        Row r = threads.computeIfAbsent(tid + "/" + name, k -> new Row());
        r.name = name;
        r.tid = tid;
        return r;
    }

    private Row endpoint(RecordedEvent e) {
        return endpoint("", e.getString("remoteAddress"), e.getInt("remotePort"));
    }

    private Row endpoint(String prefix, String address, int port) {
        String name = prefix + (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
        Row r = endpoints.computeIfAbsent(name, k -> new Row());
        r.name = name;
        return r;
    }

    private static List<Row> sorted(Map<String, Row> rows) {
        List<Row> out = new ArrayList<>(rows.values());
        out.sort(Comparator.comparingLong((Row r) -> r.bytesSent + r.bytesReceived + r.connects + r.failures).reversed()
                .thenComparing(r -> r.name));
        return out;
    }

    void text(PrintStream out) {
        if (isEmpty()) {
            return;
        }
        out.println();
        out.println("TCP per thread");
        out.printf(Locale.ROOT, "%-32s %9s %8s %10s %10s %12s %12s %8s%n", "thread [tid]", "connects", "failed",
                "p50 ms", "p99 ms", "sent B", "received B", "retrans");
        for (Row r : sorted(threads)) {
            out.printf(Locale.ROOT, "%-32s %9d %8d %10.3f %10.3f %12d %12d %8d%n", ReportWriter.truncate(r.name + " ["
                    + r.tid + "]", 32), r.connects, r.failures, r.quantile(0.5) / 1e6, r.quantile(0.99) / 1e6,
                    r.bytesSent, r.bytesReceived, r.retransmits);
        }
        out.println();
        out.println("TCP per remote endpoint");
        out.printf(Locale.ROOT, "%-28s %6s %8s %8s %9s %9s %9s %12s %12s %8s %9s%n", "remote", "conns", "connects",
                "failed", "p50 ms", "p99 ms", "max ms", "sent B", "received B", "retrans", "srtt ms");
        for (Row r : sorted(endpoints)) {
            out.printf(Locale.ROOT, "%-28s %6d %8d %8d %9.3f %9.3f %9.3f %12d %12d %8d %9.3f%n",
                    ReportWriter.truncate(r.name, 28), r.connections, r.connects, r.failures, r.quantile(0.5) / 1e6,
                    r.quantile(0.99) / 1e6, r.max() / 1e6, r.bytesSent, r.bytesReceived, r.retransmits,
                    r.srttCount == 0 ? 0 : r.srttSum / r.srttCount / 1e6);
        }
    }

    void markdown(PrintStream out) {
        if (isEmpty()) {
            return;
        }
        out.println("### TCP per thread");
        out.println();
        out.println("| thread | tid | connects | failed | connect p50 ms | connect p99 ms | sent B | received B | retransmits |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : sorted(threads)) {
            out.printf(Locale.ROOT, "| %s | %d | %d | %d | %.3f | %.3f | %d | %d | %d |%n", r.name.replace("|", "\\|"),
                    r.tid, r.connects, r.failures, r.quantile(0.5) / 1e6, r.quantile(0.99) / 1e6, r.bytesSent,
                    r.bytesReceived, r.retransmits);
        }
        out.println();
        out.println("### TCP per remote endpoint");
        out.println();
        out.println("| remote | connections | connects | failed | connect p50 ms | p99 ms | max ms | sent B | received B "
                + "| retransmits | srtt ms |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : sorted(endpoints)) {
            out.printf(Locale.ROOT, "| %s | %d | %d | %d | %.3f | %.3f | %.3f | %d | %d | %d | %.3f |%n", r.name,
                    r.connections, r.connects, r.failures, r.quantile(0.5) / 1e6, r.quantile(0.99) / 1e6, r.max() / 1e6,
                    r.bytesSent, r.bytesReceived, r.retransmits, r.srttCount == 0 ? 0 : r.srttSum / r.srttCount / 1e6);
        }
        out.println();
    }

    void json(Json j) {
        j.key("tcp").begin('{');
        j.key("threads").begin('[');
        for (Row r : sorted(threads)) {
            j.begin('{');
            j.field("name", r.name);
            j.field("tid", r.tid);
            common(j, r);
            j.end('}');
        }
        j.end(']');
        j.key("endpoints").begin('[');
        for (Row r : sorted(endpoints)) {
            j.begin('{');
            j.field("remote", r.name);
            j.field("connections", r.connections);
            common(j, r);
            j.field("connectTimeMaxNs", r.max());
            j.field("srttMeanNs", r.srttCount == 0 ? 0 : r.srttSum / r.srttCount);
            j.end('}');
        }
        j.end(']');
        j.end('}');
    }

    private static void common(Json j, Row r) {
        j.field("connects", r.connects);
        j.field("connectFailures", r.failures);
        j.field("connectTimeP50Ns", r.quantile(0.5));
        j.field("connectTimeP99Ns", r.quantile(0.99));
        j.field("bytesSent", r.bytesSent);
        j.field("bytesReceived", r.bytesReceived);
        j.field("retransmits", r.retransmits);
    }
}

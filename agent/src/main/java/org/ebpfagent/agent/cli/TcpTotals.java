package org.ebpfagent.agent.cli;

import jdk.jfr.consumer.RecordedEvent;

/** One recording's TCP figures for the whole process, from the TCP probe's events. */
final class TcpTotals {
    long connects;
    long connectFailures;
    long connections;
    long retransmits;
    long bytesSent;
    long bytesReceived;
    /** Threads (tids) with TCP events. */
    final java.util.Set<Long> tids = new java.util.HashSet<>();
    private final Samples connectTimes = new Samples();

    /** Takes one event; returns whether it was a TCP one. */
    boolean accept(RecordedEvent e) {
        if (e.getEventType().getName().startsWith("ebpf.Tcp") && e.getLong("tid") != 0) {
            tids.add(e.getLong("tid"));
        }
        switch (e.getEventType().getName()) {
            case "ebpf.TcpConnect" -> {
                if ("established".equals(e.getString("result"))) {
                    connects++;
                    connectTimes.add(e.getLong("connectTime"));
                } else {
                    connectFailures++;
                }
                return true;
            }
            case "ebpf.TcpConnection" -> {
                if (!e.getBoolean("open")) { // open ones are snapshots: their figures come again at the close
                    connections++;
                    retransmits += e.getLong("retransmits");
                    bytesSent += e.getLong("bytesSent");
                    bytesReceived += e.getLong("bytesReceived");
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    boolean isEmpty() {
        return connects + connectFailures + connections == 0;
    }

    /** The q-quantile of established connects' times (nearest rank), ns; 0 without any. */
    long connectTimeQuantile(double q) {
        return connectTimes.quantile(q);
    }
}

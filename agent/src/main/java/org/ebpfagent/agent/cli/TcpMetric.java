package org.ebpfagent.agent.cli;

/**
 * What compare measures of the TCP probe's events, for the whole process: the connect time's
 * 99th percentile, and connect failures, retransmits and payload bytes as rates per second of
 * measured time.
 */
enum TcpMetric implements Gauge {
    CONNECT_TIME_P99("connectTimeP99", "ms"),
    CONNECT_FAILURES("connectFailures", "/s"),
    RETRANSMITS("retransmits", "/s"),
    BYTES("tcpBytes", "KiB/s");

    private final String label;
    private final String unit;

    TcpMetric(String label, String unit) {
        this.label = label;
        this.unit = unit;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public String unit() {
        return unit;
    }

    @Override
    public boolean isShare() {
        return false;
    }

    double value(TcpTotals t, double seconds) {
        return switch (this) {
            case CONNECT_TIME_P99 -> t.connectTimeQuantile(0.99) / 1e6;
            case CONNECT_FAILURES -> t.connectFailures / seconds;
            case RETRANSMITS -> t.retransmits / seconds;
            case BYTES -> (t.bytesSent + t.bytesReceived) / 1024.0 / seconds;
        };
    }
}

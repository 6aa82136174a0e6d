package org.ebpfagent.agent.cli;

/**
 * What compare measures per thread group: the six ebpf.ThreadScheduling sums as rates, and the
 * run-queue wait share.
 */
enum Metric implements Gauge {
    ON_CPU("onCpu", "ms/s"),
    RUN_QUEUE_WAIT("runQueueWait", "ms/s"),
    OFF_CPU("offCpu", "ms/s"),
    VOLUNTARY_SWITCHES("voluntarySwitches", "/s"),
    INVOLUNTARY_SWITCHES("involuntarySwitches", "/s"),
    MIGRATIONS("migrations", "/s"),
    /** runQueueWait / (onCpu + runQueueWait): how much of the time a thread wanted a CPU it did not get. */
    WAIT_SHARE("waitShare", "%");

    final String label;
    final String unit;

    Metric(String label, String unit) {
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
        return this == WAIT_SHARE;
    }

    /**
     * The value compared: a rate per second of measured time, because two runs rarely last equally
     * long; the share is a fraction (0..1) and needs no time base.
     */
    double value(SchedTotals t, double seconds) {
        if (isShare()) {
            long runnable = t.onCpu + t.runQueueWait;
            return runnable == 0 ? 0 : (double) t.runQueueWait / runnable;
        }
        double perSecond = weight(t) / seconds;
        return unit.equals("ms/s") ? perSecond / 1e6 : perSecond;
    }

    /**
     * The amount the noise floor compares with the process's: the sum itself, or for the share
     * the runnable time it is a share of.
     */
    long weight(SchedTotals t) {
        return switch (this) {
            case ON_CPU -> t.onCpu;
            case RUN_QUEUE_WAIT -> t.runQueueWait;
            case OFF_CPU -> t.offCpu;
            case VOLUNTARY_SWITCHES -> t.voluntary;
            case INVOLUNTARY_SWITCHES -> t.involuntary;
            case MIGRATIONS -> t.migrations;
            case WAIT_SHARE -> t.onCpu + t.runQueueWait;
        };
    }
}

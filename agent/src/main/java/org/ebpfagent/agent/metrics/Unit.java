package org.ebpfagent.agent.metrics;

/** The unit of a metric's raw values, as the recorders add them; exporters convert to their base units. */
public enum Unit {
    /** Time, in ns: exported in seconds. */
    NANOSECONDS,
    /** Data, in bytes. */
    BYTES,
    /** A number of things (calls, switches, polls): no unit. */
    COUNT
}

package org.ebpfagent.agent.probe;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

/**
 * Gives JFR events the interval the kernel measured, on CLOCK_MONOTONIC (the clock of
 * {@code bpf_ktime_get_ns} and {@link System#nanoTime}), instead of the moments the agent happened
 * to call {@code begin()} and {@code end()}.
 *
 * <p>Why: an event's numbers are differences of the kernel's counters between two reads, so its
 * interval must be the time between those reads (or from the moment the kernel first saw the
 * thread, or up to its exit), and every event about one thread and interval must carry the same
 * start and end so that consumers can join them. JFR's public API only takes the current time.
 * JFR instruments every event class with two private fields, {@code startTime} and
 * {@code duration}, in its own clock's ticks (present since JDK 9; checked when a type is
 * registered); {@code commit()} keeps what is in them. This class converts monotonic nanoseconds
 * to those ticks from two marks it takes with {@code begin()}, and writes the fields.
 *
 * <p>Not thread-safe: one poller uses it. {@link Timing} objects are immutable after creation.
 *
 * <p>A clock starts without JFR ({@link #EventClock()}): until {@link #start} gives it an event
 * object, it only reads the monotonic clock and is not {@link #running}. Why: the first event
 * class loaded sets up JFR's Java side, ~0.4 s of CPU (docs/performance.md, "Start-up"), which a
 * JVM without a recording should not pay; a recorder creates its events once {@link #jfrUp} (a
 * recording was started, now or later). For the same reason event objects reach this class as
 * {@code Object}: a call passing a {@code ThreadScheduling} as an {@code Event} makes the
 * verifier load {@code ThreadScheduling} with the calling class, before any event is wanted.
 */
public final class EventClock {
    /**
     * Monotonic ns since when some recording has been running without a break (Long.MAX_VALUE:
     * none is). An interval that began before it would put time from before the recording into
     * the recording: its values are dropped with that time.
     */
    private static volatile long recordingSince = Long.MAX_VALUE;
    /** A mark whose two clock reads are further apart than this was interrupted: it is taken again. */
    private static final long MARK_NANOS = 20_000;
    private static final int MARK_TRIES = 5;
    private static boolean listening;
    /** The event whose begin() reads JFR's clock; null until {@link #start}. */
    private Event marker;
    private Timing markerTiming;
    private long markNanos;
    private long markTicks;
    /** Whether JFR's clock had moved at the latest mark: until JFR starts, begin() leaves it still. */
    private boolean markMoved;
    /**
     * JFR ticks per nanosecond: 1 (JFR counts in nanoseconds on Linux unless told to read the
     * TSC), or measured between two marks taken while JFR's clock ran.
     */
    private double ticksPerNano = 1.0;

    /** The instrumented fields of one event class. */
    public static final class Timing {
        private final VarHandle startTime;
        private final VarHandle duration;

        private Timing(VarHandle startTime, VarHandle duration) {
            this.startTime = startTime;
            this.duration = duration;
        }
    }

    /** Thrown when this JDK's JFR does not give event classes the fields this class writes. */
    public static final class Unsupported extends Exception {
        Unsupported(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A clock that is not {@link #running} until {@link #start}. */
    public EventClock() {
        listen();
        mark();
    }

    /**
     * Whether JFR's Java side is set up (a recording was started, or an event class loaded): from
     * then on a recorder's events cost no more than their own classes. Reading it sets up nothing.
     */
    public static boolean jfrUp() {
        return FlightRecorder.isInitialized();
    }

    /**
     * Starts reading JFR's clock, through {@code marker}: any event object of a registered type
     * (only its {@code begin()} is used). Call once JFR is {@link #jfrUp}.
     */
    public void start(Object marker) throws Unsupported {
        Event m = (Event) marker;
        markerTiming = timing(m.getClass());
        this.marker = m;
        mark();
    }

    /** Starts following recordings' starts and stops (once per JVM; JFR calls back on state changes). */
    private static synchronized void listen() {
        if (!listening) {
            listening = true;
            FlightRecorder.addListener(new FlightRecorderListener() {
                @Override
                public void recordingStateChanged(Recording recording) {
                    recordingsChanged(System.nanoTime());
                }
            });
            recordingsChanged(Long.MIN_VALUE); // one running already: every interval of the agent is inside it
        }
    }

    private static synchronized void recordingsChanged(long now) {
        boolean running = false;
        if (FlightRecorder.isInitialized()) {
            for (Recording r : FlightRecorder.getFlightRecorder().getRecordings()) {
                running |= r.getState() == RecordingState.RUNNING;
            }
        }
        if (!running) {
            recordingSince = Long.MAX_VALUE;
        } else if (recordingSince == Long.MAX_VALUE) {
            recordingSince = now;
        }
    }

    /** Whether an interval starting at {@code startNanos} (monotonic) lies inside a running recording. */
    public boolean inRecording(long startNanos) {
        return startNanos >= recordingSince;
    }

    /** Finds {@code type}'s instrumented start and duration fields. */
    public static Timing timing(Class<? extends Event> type) throws Unsupported {
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
            return new Timing(lookup.findVarHandle(type, "startTime", long.class),
                    lookup.findVarHandle(type, "duration", long.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new Unsupported("this JDK's JFR does not give " + type.getSimpleName()
                    + " the startTime/duration fields the agent sets (" + e + ")", e);
        }
    }

    /**
     * Takes the current moment on both clocks and returns it in monotonic nanoseconds. The
     * conversion uses the latest mark and the rate between the last two.
     */
    public long mark() {
        if (marker == null) {
            markNanos = System.nanoTime();
            markMoved = false;
            return markNanos;
        }
        // JFR's clock is read between two reads of the monotonic clock, and taken as read at their
        // midpoint: a poller preempted in between (milliseconds on a busy machine) would shift
        // every conversion of this poll by up to half of that, and an event's interval away from
        // its values. The narrowest of a few tries bounds the error by MARK_NANOS / 2.
        long before = 0;
        long after = Long.MAX_VALUE;
        long ticks = 0;
        for (int attempt = 0; attempt < MARK_TRIES && after - before > MARK_NANOS; attempt++) {
            long b = System.nanoTime();
            marker.begin(); // sets startTime to JFR's clock, whether or not the event is enabled
            long a = System.nanoTime();
            if (a - b < after - before) {
                before = b;
                after = a;
                ticks = (long) markerTiming.startTime.get(marker);
            }
        }
        long nanos = before + (after - before) / 2;
        long elapsed = nanos - markNanos;
        // The first mark with a marker (markTicks still 0) counts as moved if JFR's clock reads at
        // all: the poll right after start() writes its events (a recorder meeting JFR at its first
        // poll would otherwise drop everything read in it).
        boolean moved = markNanos != 0 && ticks != markTicks;
        if (moved && markMoved && elapsed >= 10_000_000) {
            double rate = (double) (ticks - markTicks) / elapsed;
            // Within 0.1% of 1 is JFR counting nanoseconds, and the rest is how far apart the two
            // clock reads around begin() were.
            ticksPerNano = Math.abs(rate - 1.0) < 0.001 ? 1.0 : rate;
        }
        markMoved = moved;
        markNanos = nanos;
        markTicks = ticks;
        return nanos;
    }

    /**
     * Whether JFR's clock moved between the last two marks: until JFR has started, {@code begin()}
     * leaves it still, and ticks converted by such a mark mean nothing.
     */
    public boolean running() {
        return markMoved;
    }

    /** The latest mark, in monotonic nanoseconds. */
    public long markNanos() {
        return markNanos;
    }

    /**
     * Sets {@code event}'s interval to [{@code startTicks}, {@code endTicks}] (JFR ticks, from
     * {@link #ticks}), at least one tick long: {@code commit()} would replace a zero duration with
     * its own clock. An interval that continues an earlier one should start at the very ticks that
     * one ended at: converted again with a later mark, they could differ by a fraction of a
     * microsecond.
     */
    public void setInterval(Object event, Timing timing, long startTicks, long endTicks) {
        timing.startTime.set(event, startTicks);
        timing.duration.set(event, Math.max(1, endTicks - startTicks));
    }

    /** A moment in monotonic nanoseconds as JFR's ticks, by the latest mark. */
    public long ticks(long nanos) {
        long delta = nanos - markNanos;
        return markTicks + (ticksPerNano == 1.0 ? delta : Math.round(delta * ticksPerNano));
    }
}

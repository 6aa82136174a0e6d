package org.ebpfagent.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/** Reads the agent's events back from a recording with jdk.jfr.consumer. */
public final class Recordings {
    private Recordings() {}

    /** One thread's ebpf.ThreadScheduling events summed over the recording. */
    public static final class Totals {
        public long tid;
        public String threadName;
        public String javaThreadName;
        public long onCpu;
        public long runQueueWait;
        /** The part of the time running that the hypervisor gave to another guest (steal). */
        public long stolen;
        public long offCpu;
        public long voluntary;
        public long involuntary;
        public long migrations;
        public int events;

        @Override
        public String toString() {
            return String.format("tid %d %s (java %s): onCpu %.2f ms, runq %.2f ms, stolen %.2f ms, off %.2f ms, vol %d, invol %d, migr %d, %d events",
                    tid, threadName, javaThreadName, onCpu / 1e6, runQueueWait / 1e6, stolen / 1e6, offCpu / 1e6,
                    voluntary, involuntary, migrations, events);
        }
    }

    public static List<RecordedEvent> events(Path recording, String name) throws IOException {
        List<RecordedEvent> out = new ArrayList<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            if (e.getEventType().getName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    /** ebpf.ThreadScheduling totals per tid. */
    public static Map<Long, Totals> schedulingByTid(Path recording) throws IOException {
        Map<Long, Totals> byTid = new HashMap<>();
        for (RecordedEvent e : events(recording, "ebpf.ThreadScheduling")) {
            Totals t = byTid.computeIfAbsent(e.getLong("tid"), k -> new Totals());
            t.tid = e.getLong("tid");
            t.threadName = e.getString("threadName");
            RecordedThread jt = e.getThread("javaThread");
            if (jt != null) {
                t.javaThreadName = jt.getJavaName();
            }
            t.onCpu += e.getLong("onCpu");
            t.runQueueWait += e.getLong("runQueueWait");
            t.stolen += e.getLong("stolen");
            t.offCpu += e.getLong("offCpu");
            t.voluntary += e.getLong("voluntarySwitches");
            t.involuntary += e.getLong("involuntarySwitches");
            t.migrations += e.getLong("migrations");
            t.events++;
        }
        return byTid;
    }
}

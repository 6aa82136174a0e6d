package org.ebpfagent.agent.util;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LogTest {
    private final PrintStream stderr = System.err;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private String written(Runnable logging) {
        out.reset();
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            logging.run();
        } finally {
            System.setErr(stderr);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @AfterEach
    void defaultLevel() {
        Log.setLevel("info");
    }

    @Test
    void placeholdersTakeTheArgumentsInOrder() {
        Log log = Log.named("ebpf-agent");
        assertEquals("WARN ebpf-agent - sched probe not loaded: EPERM (x); 2 left\n",
                written(() -> log.warn("{} probe not loaded: {}; {} left", "sched", "EPERM (x)", 2)));
        // Extra arguments are dropped, missing ones leave the placeholder.
        assertEquals("INFO ebpf-agent.libbpf - a {} b\nINFO ebpf-agent.libbpf - c\n", written(() -> {
            Log.named("ebpf-agent.libbpf").info("a {} b");
            Log.named("ebpf-agent.libbpf").info("c", "unused");
        }).replace("\r", ""));
    }

    @Test
    void theLevelFilters() {
        Log log = Log.named("ebpf-agent");
        Log.setLevel("warn");
        assertEquals("ERROR ebpf-agent - e\nWARN ebpf-agent - w\n", written(() -> {
            log.error("e");
            log.warn("w");
            log.info("i");
            log.debug("d");
        }));
        Log.setLevel("trace");
        assertEquals(true, log.isTraceEnabled());
        Log.setLevel("bogus"); // ignored
        assertEquals(true, log.isDebugEnabled());
    }
}

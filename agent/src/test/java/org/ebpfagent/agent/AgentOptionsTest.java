package org.ebpfagent.agent;

import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentOptionsTest {

    @Test
    void emptyArgumentsGiveTheDefaults() {
        assertEquals(AgentOptions.defaults(), AgentOptions.parse(null));
        assertEquals(AgentOptions.defaults(), AgentOptions.parse(""));
        assertEquals(Duration.ofSeconds(1), AgentOptions.defaults().interval());
    }

    @Test
    void everyKeyIsParsed() {
        AgentOptions o = AgentOptions.parse("probes=sched, interval=250ms,log=DEBUG,maxThreads=4096,libbpf=/opt/lib/libbpf.so.1");
        assertEquals(Set.of("sched"), o.probes());
        assertEquals(Set.of("sched", "tcp"), AgentOptions.parse("probes=sched+tcp").probes());
        assertEquals(Duration.ofMillis(250), o.interval());
        assertEquals("debug", o.logLevel());
        assertEquals(4096, o.maxThreads());
        assertEquals("/opt/lib/libbpf.so.1", o.libbpf());
        assertEquals(Duration.ofSeconds(2), AgentOptions.parse("interval=2s").interval());
        assertEquals(Set.of("sched", "syscalls"), AgentOptions.parse("probes=sched+syscalls").probes());
        assertEquals(Duration.ofMillis(10), AgentOptions.defaults().slowSyscall());
        assertEquals(Duration.ofNanos(500_000), AgentOptions.parse("slowSyscall=500us").slowSyscall());
        assertEquals(Duration.ofMillis(5), AgentOptions.parse("slowSyscall=5ms").slowSyscall());
        assertEquals(Duration.ZERO, AgentOptions.parse("slowSyscall=0").slowSyscall());
    }

    @Test
    void metricsListenOnlyWhenAskedOnLoopbackUnlessAHostIsGiven() {
        assertEquals(null, AgentOptions.defaults().metrics(), "nothing listens unless asked");
        assertEquals(64, AgentOptions.defaults().metricsGroups());
        assertEquals(new AgentOptions.Endpoint(null, 9404), AgentOptions.parse("metrics=9404").metrics());
        assertEquals(new AgentOptions.Endpoint(null, 0), AgentOptions.parse("metrics=0").metrics());
        assertEquals(new AgentOptions.Endpoint("0.0.0.0", 9404), AgentOptions.parse("metrics=0.0.0.0:9404").metrics());
        assertEquals(new AgentOptions.Endpoint("localhost", 65535), AgentOptions.parse("metrics=localhost:65535").metrics());
        assertEquals(new AgentOptions.Endpoint("::1", 9404), AgentOptions.parse("metrics=[::1]:9404").metrics());
        assertEquals(new AgentOptions.Endpoint("host.example", 1), AgentOptions.parse("metrics=host.example:1").metrics());
        assertEquals(200, AgentOptions.parse("metrics=9404,metricsGroups=200").metricsGroups());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "bogus=1          | unknown option 'bogus' (accepted keys: probes, interval, log, maxThreads, libbpf, attach, slowSyscall, metrics, metricsGroups)",
        "metrics=http     | bad value 'http' for option 'metrics' (accepted: PORT, served on the loopback address, or HOST:PORT, e.g. 9404, 0.0.0.0:9404, [::1]:9404; PORT from 0 to 65535, 0 for a free port)",
        "metrics=65536    | bad value '65536' for option 'metrics' (accepted: PORT",
        "metrics=-1       | bad value '-1' for option 'metrics'",
        "metrics=+80      | bad value '+80' for option 'metrics'",
        "metrics=:9404    | bad value ':9404' for option 'metrics'",
        "metrics=host:    | bad value 'host:' for option 'metrics'",
        "metrics=::1:9404 | bad value '::1:9404' for option 'metrics'",
        "metrics=[]:9404  | bad value '[]:9404' for option 'metrics'",
        "metrics=         | bad value '' for option 'metrics'",
        "metricsGroups=0  | bad value '0' for option 'metricsGroups' (accepted: an integer from 1 to 10000)",
        "metricsGroups=many | bad value 'many' for option 'metricsGroups'",
        "attach=kprobe    | bad value 'kprobe' for option 'attach' (accepted: auto, tp_btf, raw_tp)",
        "interval=fast    | bad value 'fast' for option 'interval' (accepted: a duration from 10ms to 3600s",
        "interval=5ms     | bad value '5ms' for option 'interval'",
        "probes=udp       | bad value 'udp' for option 'probes' (accepted: sched, tcp, syscalls)",
        "slowSyscall=fast | bad value 'fast' for option 'slowSyscall' (accepted: 0 for none, or a duration from 1us to 3600s",
        "slowSyscall=500ns | bad value '500ns' for option 'slowSyscall'",
        "slowSyscall=2h   | bad value '2h' for option 'slowSyscall'",
        "log=loud         | bad value 'loud' for option 'log' (accepted: error, warn, info, debug, trace)",
        "maxThreads=0     | bad value '0' for option 'maxThreads' (accepted: an integer from 64 to 4194304)",
        "maxThreads=lots  | bad value 'lots' for option 'maxThreads'",
        "libbpf=          | empty value for option 'libbpf'",
        "sched            | option 'sched' is not key=value",
    })
    void badOptionsNameTheOptionAndWhatItAccepts(String args, String message) {
        var e = assertThrows(AgentOptions.InvalidOption.class, () -> AgentOptions.parse(args));
        assertTrue(e.getMessage().startsWith(message.strip()), e.getMessage());
    }
}

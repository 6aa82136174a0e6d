package org.ebpfagent.agent;

import java.net.URI;
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

    @Test
    void otlpPushesOnlyWhenAskedToAnHttpUrl() {
        AgentOptions d = AgentOptions.defaults();
        assertEquals(null, d.otlp(), "nothing is pushed unless asked");
        assertEquals(null, d.otlpService(), "the main class or jar");
        assertEquals(10, d.otlpEvery());
        AgentOptions o = AgentOptions.parse("otlp=http://127.0.0.1:4318/v1/metrics,otlpService=checkout,otlpEvery=5");
        assertEquals(URI.create("http://127.0.0.1:4318/v1/metrics"), o.otlp());
        assertEquals("checkout", o.otlpService());
        assertEquals(5, o.otlpEvery());
        assertEquals(URI.create("https://collector.example:4318/v1/metrics"),
                AgentOptions.parse("otlp=https://collector.example:4318").otlp(), "no path: OTLP's /v1/metrics");
        assertEquals(URI.create("http://collector/v1/metrics"), AgentOptions.parse("otlp=HTTP://collector/").otlp());
        assertEquals(URI.create("http://[::1]:4318/otlp/v1/metrics?tenant=a"),
                AgentOptions.parse("otlp=http://[::1]:4318/otlp/v1/metrics?tenant=a").otlp(), "a path and a query kept");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "bogus=1          | unknown option 'bogus' (accepted keys: probes, interval, log, maxThreads, libbpf, attach, slowSyscall, metrics, metricsGroups, otlp, otlpService, otlpEvery)",
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
        "otlp=ftp://c:4318 | bad value 'ftp://c:4318' for option 'otlp' (accepted: an http or https URL of an OTLP/HTTP metrics receiver, e.g. http://127.0.0.1:4318/v1/metrics; without a path, /v1/metrics is used)",
        "otlp=127.0.0.1:4318 | bad value '127.0.0.1:4318' for option 'otlp' (accepted: an http or https URL",
        "otlp=http://:4318/v1/metrics | bad value 'http://:4318/v1/metrics' for option 'otlp'",
        "otlp=http://h:99999 | bad value 'http://h:99999' for option 'otlp'",
        "otlp=http://u:p@h:4318 | bad value 'http://u:p@h:4318' for option 'otlp'",
        "otlp=http://h /v1 | bad value 'http://h /v1' for option 'otlp'",
        "otlp=            | bad value '' for option 'otlp'",
        "otlpService=     | empty value for option 'otlpService' (accepted: the service.name of the pushed metrics",
        "otlpEvery=0      | bad value '0' for option 'otlpEvery' (accepted: an integer from 1 to 3600)",
        "otlpEvery=often  | bad value 'often' for option 'otlpEvery'",
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

package org.ebpfagent.agent;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.ebpfagent.agent.util.Log;

/**
 * The agent's options, parsed from {@code -javaagent:ebpf-agent.jar=key=value,...}.
 *
 * @param probes     which probes to load
 * @param interval   how often the kernel maps are read and events written
 * @param logLevel   the agent's own log level
 * @param maxThreads the most threads the kernel tracks at once
 * @param libbpf     the libbpf shared library: a name for the dynamic loader, or a path
 * @param attach     which program flavour to attach: {@code auto} (tp_btf, else raw_tp), {@code tp_btf}, {@code raw_tp}
 * @param slowSyscall the syscall probe reports every call at least this long ({@code ebpf.SlowSyscall}); zero: none
 * @param metrics    where to serve the Prometheus endpoint; null: nowhere (nothing listens unless asked)
 * @param metricsGroups the most thread groups with series of their own; the rest are folded into one
 * @param otlp       the OTLP/HTTP metrics endpoint to push the figures to; null: no pushes
 * @param otlpService the {@code service.name} of the pushes; null: the main class or jar
 * @param otlpEvery  push after every this many polls
 */
public record AgentOptions(Set<String> probes, Duration interval, String logLevel, int maxThreads, String libbpf,
                           String attach, Duration slowSyscall, Endpoint metrics, int metricsGroups, URI otlp,
                           String otlpService, int otlpEvery) {

    static final List<String> PROBES = List.of("sched", "tcp", "syscalls");
    static final List<String> LOG_LEVELS = Log.LEVELS;
    static final List<String> ATTACH = List.of("auto", "tp_btf", "raw_tp");
    static final List<String> KEYS = List.of("probes", "interval", "log", "maxThreads", "libbpf", "attach",
            "slowSyscall", "metrics", "metricsGroups", "otlp", "otlpService", "otlpEvery");
    static final int MAX_METRICS_GROUPS = 10_000;
    /** Polls between two pushes by default: every 10 s at the default interval (a push of every probe's figures is ~2,000 points). */
    static final int DEFAULT_OTLP_EVERY = 10;
    static final int MAX_OTLP_EVERY = 3600;
    /** The OTLP/HTTP path of metrics, for a URL that names none. */
    static final String OTLP_METRICS_PATH = "/v1/metrics";

    public static AgentOptions defaults() {
        return new AgentOptions(Set.of("sched"), Duration.ofSeconds(1), "info", 32768, "libbpf.so.1", "auto",
                Duration.ofMillis(10), null, org.ebpfagent.agent.metrics.Groups.DEFAULT_MAX, null, null,
                DEFAULT_OTLP_EVERY);
    }

    /**
     * An address to listen on.
     *
     * @param host a name or literal address (an IPv6 literal without brackets); null: the loopback address
     * @param port 0 to 65535; 0: a free port the system picks
     */
    public record Endpoint(String host, int port) {}

    /** A bad option: the message names it and what it accepts. */
    public static final class InvalidOption extends IllegalArgumentException {
        InvalidOption(String message) {
            super(message);
        }
    }

    /** Parses {@code key=value,...}; null or empty gives the defaults. */
    public static AgentOptions parse(String args) {
        AgentOptions o = defaults();
        if (args == null || args.isBlank()) {
            return o;
        }
        Set<String> probes = o.probes();
        Duration interval = o.interval();
        String log = o.logLevel();
        int maxThreads = o.maxThreads();
        String libbpf = o.libbpf();
        String attach = o.attach();
        Duration slowSyscall = o.slowSyscall();
        Endpoint metrics = o.metrics();
        int metricsGroups = o.metricsGroups();
        URI otlp = o.otlp();
        String otlpService = o.otlpService();
        int otlpEvery = o.otlpEvery();
        for (String pair : args.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new InvalidOption("option '" + pair.strip() + "' is not key=value (accepted keys: "
                        + String.join(", ", KEYS) + ")");
            }
            String key = pair.substring(0, eq).strip();
            String value = pair.substring(eq + 1).strip();
            switch (key) {
                case "probes" -> probes = parseProbes(value);
                case "interval" -> interval = parseInterval(value);
                case "log" -> log = oneOf(key, value.toLowerCase(Locale.ROOT), LOG_LEVELS);
                case "maxThreads" -> maxThreads = parseInt(key, value, 64, 1 << 22);
                case "libbpf" -> libbpf = nonEmpty(key, value, "a library name such as libbpf.so.1, or a file path");
                case "attach" -> attach = oneOf(key, value, ATTACH);
                case "slowSyscall" -> slowSyscall = parseSlowSyscall(value);
                case "metrics" -> metrics = parseEndpoint(key, value);
                case "metricsGroups" -> metricsGroups = parseInt(key, value, 1, MAX_METRICS_GROUPS);
                case "otlp" -> otlp = parseOtlpUrl(value);
                case "otlpService" -> otlpService = nonEmpty(key, value, "the service.name of the pushed metrics, "
                        + "e.g. checkout");
                case "otlpEvery" -> otlpEvery = parseInt(key, value, 1, MAX_OTLP_EVERY);
                default -> throw new InvalidOption("unknown option '" + key + "' (accepted keys: "
                        + String.join(", ", KEYS) + ")");
            }
        }
        return new AgentOptions(probes, interval, log, maxThreads, libbpf, attach, slowSyscall, metrics,
                metricsGroups, otlp, otlpService, otlpEvery);
    }

    /**
     * An http or https URL with a host: the OTLP/HTTP metrics endpoint. Without a path, OTLP's
     * {@value #OTLP_METRICS_PATH} (as OpenTelemetry's own exporters do with a base endpoint).
     */
    private static URI parseOtlpUrl(String value) {
        try {
            URI u = new URI(value);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null && u.getPort() <= 65535
                    && u.getUserInfo() == null && u.getFragment() == null) {
                String path = u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/")
                        ? OTLP_METRICS_PATH : u.getRawPath();
                return new URI(scheme + "://" + u.getRawAuthority() + path
                        + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
            }
        } catch (URISyntaxException e) {
            // fall through to the message below
        }
        throw new InvalidOption("bad value '" + value + "' for option 'otlp' (accepted: an http or https URL of an "
                + "OTLP/HTTP metrics receiver, e.g. http://127.0.0.1:4318/v1/metrics; without a path, "
                + OTLP_METRICS_PATH + " is used)");
    }

    /** PORT (on the loopback address), or HOST:PORT with an IPv6 literal in brackets ([::1]:9404). */
    private static Endpoint parseEndpoint(String key, String value) {
        int colon = value.lastIndexOf(':');
        String host = colon < 0 ? null : value.substring(0, colon);
        String port = value.substring(colon + 1);
        if (host != null && host.startsWith("[") && host.endsWith("]") && host.length() > 2) {
            host = host.substring(1, host.length() - 1);
        } else if (host != null && (host.isEmpty() || host.contains(":") || host.contains("[") || host.contains("]"))) {
            host = ""; // empty, or an IPv6 literal without its brackets: refused below
        }
        try {
            int p = Integer.parseInt(port);
            if (p >= 0 && p <= 65535 && !port.startsWith("+") && (host == null || !host.isEmpty())) {
                return new Endpoint(host, p);
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new InvalidOption("bad value '" + value + "' for option '" + key + "' (accepted: PORT, served on the "
                + "loopback address, or HOST:PORT, e.g. 9404, 0.0.0.0:9404, [::1]:9404; PORT from 0 to 65535, "
                + "0 for a free port)");
    }

    private static String nonEmpty(String key, String value, String accepted) {
        if (value.isEmpty()) {
            throw new InvalidOption("empty value for option '" + key + "' (accepted: " + accepted + ")");
        }
        return value;
    }

    private static Set<String> parseProbes(String value) {
        Set<String> probes = new LinkedHashSet<>();
        // probes are separated by '+' because ',' separates options: probes=sched+tcp
        for (String p : value.split("\\+")) {
            probes.add(oneOf("probes", p.strip(), PROBES));
        }
        return Set.copyOf(probes);
    }

    private static Duration parseInterval(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (v.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            } else if (v.endsWith("s")) {
                d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            } else {
                throw new NumberFormatException();
            }
            if (d.toMillis() >= 10 && d.toMillis() <= 3_600_000) {
                return d;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new InvalidOption("bad value '" + value + "' for option 'interval' (accepted: a duration from 10ms to 3600s, "
                + "written like 500ms or 2s)");
    }

    /** 0 (none), or a duration from 1us to 3600s: 500us, 10ms, 2s. */
    private static Duration parseSlowSyscall(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        try {
            if (v.equals("0")) {
                return Duration.ZERO;
            }
            Duration d;
            if (v.endsWith("us")) {
                d = Duration.ofNanos(Math.multiplyExact(Long.parseLong(v.substring(0, v.length() - 2)), 1000L));
            } else if (v.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            } else if (v.endsWith("s")) {
                d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            } else {
                throw new NumberFormatException();
            }
            if (d.toNanos() >= 1000 && d.toSeconds() <= 3600) {
                return d;
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // fall through to the message below
        }
        throw new InvalidOption("bad value '" + value + "' for option 'slowSyscall' (accepted: 0 for none, or a "
                + "duration from 1us to 3600s, written like 500us, 10ms or 2s)");
    }

    private static int parseInt(String key, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new InvalidOption("bad value '" + value + "' for option '" + key + "' (accepted: an integer from "
                + min + " to " + max + ")");
    }

    private static String oneOf(String key, String value, List<String> accepted) {
        if (!accepted.contains(value)) {
            throw new InvalidOption("bad value '" + value + "' for option '" + key + "' (accepted: "
                    + String.join(", ", accepted) + ")");
        }
        return value;
    }
}

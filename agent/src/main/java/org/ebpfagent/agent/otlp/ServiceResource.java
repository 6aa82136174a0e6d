package org.ebpfagent.agent.otlp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.resources.Resource;

/**
 * Who the pushes come from, in semantic-convention resource attributes: the service
 * ({@code service.name}, and {@code service.instance.id}, new at each start, so that a collector
 * tells apart JVMs of one service on one host), the host ({@code host.name}, {@code host.arch},
 * {@code os.type}) and the process ({@code process.pid}, {@code process.runtime.*}); over the
 * SDK's own {@code telemetry.sdk.*}. Nothing here resolves a name or waits: the host name is the
 * kernel's ({@code /proc/sys/kernel/hostname}, what {@code hostname} prints), not a DNS lookup.
 */
final class ServiceResource {
    static final Path HOSTNAME = Path.of("/proc/sys/kernel/hostname");

    private ServiceResource() {}

    /** @param serviceName see {@link ServiceName} */
    static Resource of(String serviceName) {
        AttributesBuilder a = Attributes.builder();
        a.put(AttributeKey.stringKey("service.name"), serviceName);
        a.put(AttributeKey.stringKey("service.instance.id"), UUID.randomUUID().toString());
        String host = hostName();
        if (host != null) {
            a.put(AttributeKey.stringKey("host.name"), host);
        }
        String arch = hostArch(System.getProperty("os.arch", ""));
        if (arch != null) {
            a.put(AttributeKey.stringKey("host.arch"), arch);
        }
        a.put(AttributeKey.stringKey("os.type"), "linux");
        a.put(AttributeKey.longKey("process.pid"), ProcessHandle.current().pid());
        putIfSet(a, "process.runtime.name", System.getProperty("java.runtime.name"));
        putIfSet(a, "process.runtime.version", System.getProperty("java.runtime.version"));
        putIfSet(a, "process.runtime.description", System.getProperty("java.vm.vendor") == null ? null
                : System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.vm.version"));
        return Resource.getDefault().merge(Resource.create(a.build()));
    }

    /** The conventions' name of the CPU architecture, from the JVM's os.arch; null if it has none. */
    static String hostArch(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i486", "i586", "i686" -> "x86";
            case "arm", "arm32" -> "arm32";
            case "ppc64", "ppc64le" -> "ppc64";
            case "ppc" -> "ppc32";
            case "s390x" -> "s390x";
            default -> null;
        };
    }

    private static String hostName() {
        try {
            String name = Files.readString(HOSTNAME).strip();
            return name.isEmpty() ? null : name;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void putIfSet(AttributesBuilder a, String key, String value) {
        if (value != null && !value.isBlank()) {
            a.put(AttributeKey.stringKey(key), value);
        }
    }
}

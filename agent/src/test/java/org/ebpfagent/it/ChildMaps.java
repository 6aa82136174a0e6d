package org.ebpfagent.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The BPF maps a child process holds open, seen from outside it: /proc/PID/fd names each map fd
 * ({@code anon_inode:bpf-map}), /proc/PID/fdinfo gives its id, type, capacity and the kernel
 * memory charged to it ({@code memlock}), and bpftool its name (this bpftool does not list the
 * pids holding a map). Nothing here asks the agent.
 */
final class ChildMaps {
    static final String BPFTOOL = Files.isExecutable(Path.of("/usr/sbin/bpftool")) ? "/usr/sbin/bpftool" : "bpftool";
    private static final Pattern NAME = Pattern.compile("\"name\":\"([^\"]*)\"");
    private static final Pattern KEY = Pattern.compile("\"key\":\\[");

    /** One map as fdinfo describes it; memlock in bytes. */
    record BpfMapInfo(int id, String name, int type, long maxEntries, int flags, long memlock) {}

    private ChildMaps() {}

    /** Every BPF map the process holds a descriptor of, once each, by id. */
    static List<BpfMapInfo> of(long pid) throws Exception {
        Map<Integer, BpfMapInfo> byId = new LinkedHashMap<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds.toList()) {
                Map<String, String> info = new LinkedHashMap<>();
                try {
                    if (!Files.readSymbolicLink(fd).toString().equals("anon_inode:bpf-map")) {
                        continue;
                    }
                    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/fdinfo/" + fd.getFileName()))) {
                        int colon = line.indexOf(':');
                        if (colon > 0) {
                            info.put(line.substring(0, colon), line.substring(colon + 1).trim());
                        }
                    }
                } catch (IOException e) {
                    continue; // an fd closed while we looked
                }
                int id = Integer.parseInt(info.get("map_id"));
                if (!byId.containsKey(id)) {
                    Matcher m = NAME.matcher(bpftool("-j", "map", "show", "id", String.valueOf(id)));
                    byId.put(id, new BpfMapInfo(id, m.find() ? m.group(1) : "", Integer.parseInt(info.get("map_type")),
                            Long.parseLong(info.get("max_entries")), Integer.decode(info.get("map_flags")),
                            Long.parseLong(info.get("memlock"))));
                }
            }
        }
        return List.copyOf(byId.values());
    }

    /** Kernel memory charged to all the process's BPF maps, in bytes. */
    static long memlock(List<BpfMapInfo> maps) {
        return maps.stream().mapToLong(BpfMapInfo::memlock).sum();
    }

    /** The map with this name among the process's BPF maps. */
    static BpfMapInfo named(List<BpfMapInfo> maps, String name) {
        List<BpfMapInfo> named = maps.stream().filter(m -> m.name().equals(name)).toList();
        assertEquals(1, named.size(), "maps named " + name + " among the child's BPF maps " + maps);
        return named.get(0);
    }

    /** The id of the map with this name among the BPF maps the child holds open. */
    static int mapId(long pid, String name) throws Exception {
        return named(of(pid), name).id();
    }

    /** How many elements the map holds now, as bpftool dumps it from outside the process. */
    static int entries(BpfMapInfo map) throws Exception {
        // Each element's raw key is a JSON array of bytes (its BTF-formatted key is not).
        return (int) KEY.matcher(bpftool("-j", "map", "dump", "id", String.valueOf(map.id()))).results().count();
    }

    static String table(List<BpfMapInfo> maps) {
        StringBuilder b = new StringBuilder();
        for (BpfMapInfo m : maps) {
            b.append(String.format("%n  %-16s type %2d, max_entries %7d, flags 0x%x: memlock %,d bytes",
                    m.name(), m.type(), m.maxEntries(), m.flags(), m.memlock()));
        }
        return b.append(String.format("%n  total %,d bytes", memlock(maps))).toString();
    }

    static String bpftool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(BPFTOOL);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bpftool timed out");
        assertEquals(0, p.exitValue(), () -> "bpftool " + String.join(" ", args) + ": " + out);
        return out;
    }
}

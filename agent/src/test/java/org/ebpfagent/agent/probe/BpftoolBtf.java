package org.ebpfagent.agent.probe;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The BTF of a shipped BPF object as bpftool dumps it ({@code bpftool btf dump file F format raw}):
 * an independent reader to check the agent's own BTF binding against. Keys: {@code "struct.member"}
 * (byte offset), {@code "struct size"} (bytes), {@code "section:variable"} (offset in the section).
 */
public final class BpftoolBtf {
    private BpftoolBtf() {}

    /** Dumps {@code /org/ebpfagent/bpf/NAME.bpf.o} from the class path. */
    public static Map<String, Integer> of(String name) throws Exception {
        Path object = Files.createTempFile(name, ".bpf.o");
        try (InputStream in = BpftoolBtf.class.getResourceAsStream("/org/ebpfagent/bpf/" + name + ".bpf.o")) {
            Files.write(object, in.readAllBytes());
        }
        try {
            Process p = new ProcessBuilder("bpftool", "btf", "dump", "file", object.toString(), "format", "raw")
                    .redirectErrorStream(true).start();
            String dump = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("bpftool failed: " + dump);
            }
            return parse(dump);
        } finally {
            Files.delete(object);
        }
    }

    private static Map<String, Integer> parse(String dump) {
        Map<String, Integer> out = new HashMap<>();
        Pattern struct = Pattern.compile("^\\[\\d+] STRUCT '(\\w+)' size=(\\d+)");
        Pattern member = Pattern.compile("^\\t'(\\w+)' type_id=\\d+ bits_offset=(\\d+)");
        Pattern section = Pattern.compile("^\\[\\d+] DATASEC '([.\\w]+)'");
        Pattern var = Pattern.compile("^\\ttype_id=\\d+ offset=(\\d+) size=\\d+ \\(VAR '(\\w+)'\\)");
        String current = null;
        for (String line : dump.split("\n")) {
            Matcher m;
            if ((m = struct.matcher(line)).find()) {
                current = m.group(1);
                out.put(current + " size", Integer.parseInt(m.group(2)));
            } else if ((m = section.matcher(line)).find()) {
                current = m.group(1) + ":";
            } else if (current != null && (m = member.matcher(line)).find()) {
                out.put(current + "." + m.group(1), Integer.parseInt(m.group(2)) / 8);
            } else if (current != null && (m = var.matcher(line)).find()) {
                out.put(current + m.group(2), Integer.parseInt(m.group(1)));
            } else if (line.startsWith("[")) {
                current = null;
            }
        }
        return out;
    }
}

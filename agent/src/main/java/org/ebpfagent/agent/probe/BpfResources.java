package org.ebpfagent.agent.probe;

import java.io.IOException;
import java.io.InputStream;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfObject;
import org.ebpfagent.agent.ffm.Errno;

/** Opens the BPF objects the build embedded in the agent jar under {@code org/ebpfagent/bpf/}. */
public final class BpfResources {
    private BpfResources() {}

    /** Opens {@code NAME.bpf.o}; the caller owns (and closes) the returned object. */
    public static BpfObject open(String name) throws BpfException {
        String path = "/org/ebpfagent/bpf/" + name + ".bpf.o";
        byte[] elf;
        try (InputStream in = BpfResources.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new BpfException("open", path, Errno.ENOENT, "the agent jar is incomplete: rebuild it");
            }
            elf = in.readAllBytes();
        } catch (IOException e) {
            throw new BpfException("open", path, Errno.EFAULT, e.toString());
        }
        return BpfObject.open(name, elf);
    }
}

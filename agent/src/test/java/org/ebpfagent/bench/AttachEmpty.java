package org.ebpfagent.bench;

import java.io.InputStream;

import org.ebpfagent.agent.ffm.BpfLink;
import org.ebpfagent.agent.ffm.BpfObject;

/**
 * Attaches the do-nothing programs of empty_sched.bpf.o for a number of seconds: the baseline of
 * scripts/bench-kernel-cost.sh. Usage: AttachEmpty SECONDS (as root).
 */
public final class AttachEmpty {
    public static void main(String[] args) throws Exception {
        byte[] elf;
        try (InputStream in = AttachEmpty.class.getResourceAsStream("/org/ebpfagent/bpf/test/empty_sched.bpf.o")) {
            elf = in.readAllBytes();
        }
        try (BpfObject object = BpfObject.open("empty_sched", elf)) {
            object.load();
            try (BpfLink s = object.attach("empty_switch"); BpfLink w = object.attach("empty_wakeup")) {
                Thread.sleep(Long.parseLong(args[0]) * 1000);
            }
        }
    }
}

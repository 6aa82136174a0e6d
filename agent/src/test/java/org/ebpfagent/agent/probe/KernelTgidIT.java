package org.ebpfagent.agent.probe;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The shortcut that skips the whoami program in the root PID namespace gives the kernel's answer.
 * (PidNamespaceIT covers a JVM inside a PID namespace, where whoami runs.)
 */
class KernelTgidIT {

    @Test
    void discoveryAgreesWithTheKernel() throws Exception {
        int kernel = KernelTgid.fromKernel();
        assertEquals(kernel, KernelTgid.discover());
        if (KernelTgid.inRootPidNamespace()) {
            assertEquals(ProcessHandle.current().pid(), kernel, "pid in the root PID namespace");
        }
    }

    /** A process that /proc shows in more than one PID namespace is not in the root one. */
    @Test
    void nestedNamespaceIsNotTakenForTheRoot() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("NSpid:") && line.substring(6).strip().split("\\s+").length > 1) {
                assertFalse(KernelTgid.inRootPidNamespace(), line);
            }
        }
    }
}

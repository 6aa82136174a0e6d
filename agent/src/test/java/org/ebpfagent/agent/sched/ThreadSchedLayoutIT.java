package org.ebpfagent.agent.sched;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfObject;
import org.ebpfagent.agent.ffm.CStruct;
import org.ebpfagent.agent.probe.BpfResources;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ThreadSchedLayout against the BTF of the sched.bpf.o the agent ships (opened, not loaded). */
class ThreadSchedLayoutIT {

    @Test
    void javaLayoutMatchesSchedH() throws Exception {
        try (BpfObject sched = BpfResources.open("sched")) {
            sched.map("threads").bind(CStruct.U32, ThreadSchedLayout.THREAD_SCHED);
            sched.map("slots").bind(CStruct.U32, ThreadSchedLayout.THREAD_SCHED);
            sched.map("exited").bind(CStruct.U32, ThreadSchedLayout.THREAD_SCHED);
            assertEquals(sched.map("threads").valueSize(), ThreadSchedLayout.SIZE);
        }
    }

    @Test
    void aFieldForgottenInJavaFailsNamingTheMapAndTheShiftedFields() throws Exception {
        // As if sched.h had gained nvcsw and ThreadSchedLayout had not.
        CStruct stale = CStruct.named("ThreadSchedLayout")
                .u64("on_cpu_ns").u64("runq_wait_ns").u64("off_cpu_ns").u64("voluntary").u64("involuntary")
                .u64("migrations").u64("first_seen_ns").u64("since_ns").u64("exec_seen")
                .u32("state").u32("ns_tid").bytes("comm", 16).build();
        try (BpfObject sched = BpfResources.open("sched")) {
            BpfException e = assertThrows(BpfException.class, () -> sched.map("threads").bind(CStruct.U32, stale));
            String m = e.getMessage();
            assertTrue(m.startsWith("check layout map threads: EINVAL (value: size "), m);
            assertTrue(m.contains("value: field exec_seen at offset 72 in BTF struct thread_sched, 64 in ThreadSchedLayout"), m);
        }
    }
}

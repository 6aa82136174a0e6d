package org.ebpfagent.agent.sched;

import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfObject;
import org.ebpfagent.agent.ffm.CStruct;
import org.ebpfagent.agent.ffm.StructLayout;
import org.ebpfagent.agent.probe.BpfResources;
import org.ebpfagent.agent.probe.BpftoolBtf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scheduler's layouts as bound against the BTF of the sched.bpf.o the agent ships (opened,
 * not loaded), checked against bpftool's dump of the same object's BTF: an independent reader.
 */
class ThreadSchedLayoutIT {

    @Test
    void everyDeclaredMemberIsWhereBpftoolSaysItIs() throws Exception {
        Map<String, Integer> oracle = BpftoolBtf.of("sched");
        try (BpfObject sched = BpfResources.open("sched")) {
            SchedLayouts layouts = SchedLayouts.bind(sched, true);
            int checked = 0;
            for (StructLayout layout : List.of(layouts.threadSched(), layouts.threadSched().element(ThreadSchedLayout.REASONS),
                    layouts.offCpuKey(), layouts.offCpuTotal(), layouts.counters(), layouts.config(), layouts.alloc())) {
                String struct = layout.decl().name();
                assertEquals(oracle.get(struct + " size"), layout.size(), struct + " size");
                for (java.lang.reflect.Field constant : ThreadSchedLayout.class.getDeclaredFields()) {
                    if (!Modifier.isStatic(constant.getModifiers()) || constant.getType() != CStruct.Field.class) {
                        continue;
                    }
                    CStruct.Field field = (CStruct.Field) constant.get(null);
                    if (!field.toString().startsWith(struct + ".")) {
                        continue;
                    }
                    Integer expected = oracle.get(struct + "." + field.name());
                    assertEquals(expected, layout.offset(field), field.toString());
                    checked++;
                }
            }
            assertEquals(40, checked, "members declared in ThreadSchedLayout");
            assertEquals(4, layouts.threadSched().length(ThreadSchedLayout.REASONS), "INLINE_REASONS in sched.h");
            assertEquals(oracle.get(".rodata:config"), layouts.config().base());
            assertEquals(oracle.get(".bss:counters"), layouts.counters().base());
            assertEquals(oracle.get(".data.alloc:alloc"), layouts.alloc().base());
        }
    }

    @Test
    void aMemberMissingInCFailsNamingTheMapAndTheMember() throws Exception {
        // As if sched.h had renamed nvcsw while the agent still read it.
        CStruct stale = CStruct.named("thread_sched");
        stale.u64("on_cpu_ns");
        stale.u64("nvcsw_total");
        try (BpfObject sched = BpfResources.open("sched")) {
            BpfException e = assertThrows(BpfException.class, () -> sched.map("threads").bind(CStruct.U32, stale));
            assertEquals("check layout map threads: EINVAL (value: BTF struct thread_sched has no member nvcsw_total)",
                    e.getMessage());
        }
    }

    @Test
    void aMemberOfAnotherSizeFailsNamingTheMapAndTheMember() throws Exception {
        CStruct narrow = CStruct.named("thread_sched");
        narrow.u32("on_cpu_ns");
        CStruct reason = CStruct.named("off_cpu_reason");
        reason.u32("ns");
        narrow.structs("reasons", reason);
        try (BpfObject sched = BpfResources.open("sched")) {
            BpfException e = assertThrows(BpfException.class, () -> sched.map("exited").bind(CStruct.U32, narrow));
            String m = e.getMessage();
            assertTrue(m.startsWith("check layout map exited: EINVAL ("), m);
            assertTrue(m.contains("value: member on_cpu_ns of BTF struct thread_sched is 8 bytes, the agent reads 4"), m);
            assertTrue(m.contains("value: reasons[]: member ns of BTF struct off_cpu_reason is 8 bytes, the agent reads 4"), m);
        }
    }
}

package org.ebpfagent.agent.sched;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfObject;
import org.ebpfagent.agent.ffm.CStruct;
import org.ebpfagent.agent.ffm.StructLayout;

import static org.ebpfagent.agent.sched.ThreadSchedLayout.*;

/**
 * The {@link ThreadSchedLayout} declarations resolved against one opened {@code sched.bpf.o}:
 * every map and section the agent reads or writes bound to its struct, which checks each
 * declared member against the object's BTF. The slots map and .data.alloc are bound only where
 * they are used (tp_btf).
 */
record SchedLayouts(StructLayout threadSched, StructLayout offCpuKey, StructLayout offCpuTotal,
                    StructLayout counters, StructLayout config, StructLayout alloc) {

    static SchedLayouts bind(BpfObject object, boolean slots) throws BpfException {
        StructLayout threadSched = object.map("threads").bind(CStruct.U32, THREAD_SCHED).value();
        object.map("exited").bind(CStruct.U32, THREAD_SCHED);
        if (slots) {
            object.map("slots").bind(CStruct.U32, THREAD_SCHED);
        }
        var offCpu = object.map("off_cpu").bind(OFF_CPU_KEY, OFF_CPU_TOTAL);
        return new SchedLayouts(threadSched, offCpu.key(), offCpu.value(),
                object.map(".bss").bindVariable("counters", SCHED_COUNTERS),
                object.map(".rodata").bindVariable("config", SCHED_CONFIG),
                slots ? object.map(".data.alloc").bindVariable("alloc", THREAD_ALLOC) : null);
    }
}

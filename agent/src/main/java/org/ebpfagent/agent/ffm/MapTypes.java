package org.ebpfagent.agent.ffm;

/** Values of the kernel's {@code enum bpf_map_type} the readers tell apart. */
public final class MapTypes {
    public static final int HASH = 1;
    public static final int ARRAY = 2;
    public static final int PERCPU_HASH = 5;
    public static final int PERCPU_ARRAY = 6;
    public static final int LRU_HASH = 9;
    public static final int LRU_PERCPU_HASH = 10;
    public static final int PERCPU_CGROUP_STORAGE = 21;

    private MapTypes() {}

    /** True for arrays: every key exists from creation, and none can be deleted. */
    static boolean isArray(int type) {
        return type == ARRAY || type == PERCPU_ARRAY;
    }
}

package org.ebpfagent.sample;

/** Cheap, non-eliminable CPU work shared by the CPU-bound workloads. */
final class Busywork {

    private Busywork() {
    }

    /**
     * Runs {@code iterations} rounds of a xorshift-multiply mix starting at {@code seed} and returns the result.
     * Each round depends on the previous one and the mix is non-linear, so the JIT can neither vectorise the
     * loop nor fold it into a closed form; callers must still publish the result so it is not dead code.
     */
    static long mix(long seed, int iterations) {
        long x = seed;
        for (int i = 0; i < iterations; i++) {
            x ^= x >>> 31;
            x *= 0x9E3779B97F4A7C15L;
            x += i;
        }
        return x;
    }
}

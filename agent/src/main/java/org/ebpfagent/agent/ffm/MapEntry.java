package org.ebpfagent.agent.ffm;

/**
 * One entry of a map read whole into Java objects ({@link BpfMap#entries}): its key and value
 * (for a per-CPU map, {@link BpfMap#perCpuEntries}, the list of every possible CPU's value).
 */
public record MapEntry<K, V>(K key, V value) {}

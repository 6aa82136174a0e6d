package org.ebpfagent.jmc;

import java.util.function.Function;

import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IType;

/**
 * How to tell which group an event belongs to, resolved once per event type (JMC hands out
 * accessors per type). Compose them for finer groups, e.g. thread and syscall.
 */
@FunctionalInterface
public interface KeyOf<K> {
    /** The key reader for events of {@code type}; throws if the type lacks a field it needs. */
    Function<IItem, K> forType(IType<IItem> type) throws MissingAttributeException;
}

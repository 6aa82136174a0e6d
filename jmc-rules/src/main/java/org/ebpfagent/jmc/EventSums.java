package org.ebpfagent.jmc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.openjdk.jmc.common.item.IAccessorKey;
import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.item.IMemberAccessor;
import org.openjdk.jmc.common.item.IType;
import org.openjdk.jmc.common.item.ItemFilters;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;

/**
 * Per-key sums of numeric fields of one event type over an item collection (the whole recording,
 * or the time range selected in JMC). Timespans are summed in nanoseconds, counts as they are.
 *
 * @param <K> the group key, e.g. {@link ThreadKey}
 */
public final class EventSums<K> {
    private final List<String> fields;
    private final Map<K, long[]> byKey = new LinkedHashMap<>();
    private final long[] total;
    private final long[] max;
    private long events;

    private EventSums(List<String> fields) {
        this.fields = List.copyOf(fields);
        this.total = new long[fields.size()];
        this.max = new long[fields.size()];
    }

    /**
     * Sums {@code fields} of every {@code typeId} event in {@code items}, grouped by {@code key}.
     *
     * @throws MissingAttributeException if the recording's event type lacks one of the fields
     */
    public static <K> EventSums<K> of(IItemCollection items, String typeId, KeyOf<K> key, List<String> fields)
            throws MissingAttributeException {
        EventSums<K> sums = new EventSums<>(fields);
        for (IItemIterable iterable : items.apply(ItemFilters.type(typeId))) {
            IType<IItem> type = iterable.getType();
            Function<IItem, K> keyReader = key.forType(type);
            List<IMemberAccessor<?, IItem>> accessors = new ArrayList<>();
            for (String f : fields) {
                accessors.add(field(type, f));
            }
            for (IItem item : iterable) {
                long[] row = sums.byKey.computeIfAbsent(keyReader.apply(item), k -> new long[fields.size()]);
                for (int i = 0; i < accessors.size(); i++) {
                    long v = toLong(accessors.get(i).getMember(item));
                    row[i] += v;
                    sums.total[i] += v;
                    sums.max[i] = Math.max(sums.max[i], v);
                }
                sums.events++;
            }
        }
        return sums;
    }

    /** The accessor for the field named {@code id} of {@code type}, whatever JMC made of its type. */
    public static IMemberAccessor<?, IItem> field(IType<IItem> type, String id) throws MissingAttributeException {
        for (IAccessorKey<?> k : type.getAccessorKeys().keySet()) {
            if (k.getIdentifier().equals(id)) {
                IMemberAccessor<?, IItem> a = type.getAccessor(k);
                if (a != null) {
                    return a;
                }
            }
        }
        throw new MissingAttributeException(type.getIdentifier(), id);
    }

    /** A timespan in nanoseconds; any other number (a raw long, a count quantity) as it is; null as 0. */
    public static long toLong(Object value) {
        if (value instanceof IQuantity q) {
            if (q.getUnit().getContentType() == UnitLookup.TIMESPAN) {
                return q.clampedLongValueIn(UnitLookup.NANOSECOND);
            }
            return q.longValue();
        }
        if (value instanceof Number n) {
            return n.longValue();
        }
        return 0;
    }

    /** Rows in first-seen order; each row holds the fields in the order given to {@link #of}. */
    public Map<K, long[]> byKey() {
        return byKey;
    }

    /** The sum of each field over all keys. */
    public long[] total() {
        return total.clone();
    }

    /** The largest single value of each field: the latest total for a cumulative counter. */
    public long[] max() {
        return max.clone();
    }

    /** How many events were summed. */
    public long events() {
        return events;
    }
}

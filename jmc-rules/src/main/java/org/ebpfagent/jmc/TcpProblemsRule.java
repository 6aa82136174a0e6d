package org.ebpfagent.jmc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.item.IMemberAccessor;
import org.openjdk.jmc.common.item.ItemFilters;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.ResultBuilder;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.JfrRuleTopics;

/**
 * Failed TCP connects and retransmits, from the TCP probe's events: the share of connect attempts
 * that failed, and retransmitted segments per connection closed, each judged against its limit;
 * the remote endpoints with the most of either are named with the errno of their failures.
 */
public final class TcpProblemsRule extends EbpfRule {
    public static final String ID = "EbpfTcpProblems";
    static final int LISTED = 5;

    public static final TypedPreference<IQuantity> FAILURE_LIMIT = new TypedPreference<>(
            "ebpf.tcp.failures", "Failed connects for a warning",
            "When more than this share of connect attempts failed (refused, timed out, unreachable), the rule warns; "
                    + "from a fifth of it on, it informs.",
            UnitLookup.PERCENTAGE.getPersister(), UnitLookup.PERCENT.quantity(1));
    public static final TypedPreference<IQuantity> RETRANSMIT_LIMIT = new TypedPreference<>(
            "ebpf.tcp.retransmits", "Retransmits per connection for a warning",
            "When connections retransmitted more segments than this on average, the rule warns; from a fifth of it "
                    + "on, it informs.",
            UnitLookup.NUMBER.getPersister(), UnitLookup.NUMBER_UNITY.quantity(1));

    public static final TypedResult<IQuantity> FAILED_SHARE = new TypedResult<>("tcpFailedShare",
            "Failed Connect Share", "The share of connect attempts that failed.", UnitLookup.PERCENTAGE, IQuantity.class);
    public static final TypedResult<IQuantity> RETRANSMITS_PER_CONNECTION = new TypedResult<>(
            "tcpRetransmitsPerConnection", "Retransmits per Connection",
            "Segments retransmitted per connection closed.", UnitLookup.NUMBER, IQuantity.class);

    public TcpProblemsRule() {
        super(ID, "TCP Connect Failures and Retransmits (eBPF)", JfrRuleTopics.JAVA_APPLICATION,
                EbpfEvents.TCP_CONNECT, List.of(FAILURE_LIMIT, RETRANSMIT_LIMIT),
                List.of(TypedResult.SCORE, FAILED_SHARE, RETRANSMITS_PER_CONNECTION));
    }

    /** One remote endpoint's attempts, failures by errno, connections and retransmits. */
    static final class Remote {
        final String name;
        long attempts;
        long failures;
        long connections;
        long retransmits;
        final Map<String, Long> errors = new LinkedHashMap<>();

        Remote(String name) {
            this.name = name;
        }

        String describe() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s: %d of %d connects failed", name,
                    failures, attempts));
            if (!errors.isEmpty()) {
                b.append(" (");
                errors.forEach((errno, n) -> b.append(b.charAt(b.length() - 1) == '(' ? "" : ", ").append(errno)
                        .append(' ').append(n));
                b.append(')');
            }
            return b.append(String.format(Locale.ROOT, ", %d retransmits over %d connections", retransmits,
                    connections)).toString();
        }

        long trouble() {
            return failures + retransmits;
        }
    }

    @Override
    protected IResult evaluate(IItemCollection items, IPreferenceValueProvider vp) throws MissingAttributeException {
        double failureLimit = vp.getPreferenceValue(FAILURE_LIMIT).doubleValueIn(UnitLookup.PERCENT_UNITY);
        double retransmitLimit = vp.getPreferenceValue(RETRANSMIT_LIMIT).doubleValue();
        Map<String, Remote> remotes = new LinkedHashMap<>();
        long attempts = 0;
        long failures = 0;
        for (IItemIterable iterable : items.apply(ItemFilters.type(EbpfEvents.TCP_CONNECT))) {
            var type = iterable.getType();
            IMemberAccessor<?, IItem> address = EventSums.field(type, EbpfEvents.REMOTE_ADDRESS);
            IMemberAccessor<?, IItem> port = EventSums.field(type, EbpfEvents.REMOTE_PORT);
            IMemberAccessor<?, IItem> result = EventSums.field(type, EbpfEvents.RESULT);
            for (IItem item : iterable) {
                Remote r = remotes.computeIfAbsent(endpoint(address.getMember(item), port.getMember(item)), Remote::new);
                String outcome = String.valueOf(result.getMember(item));
                r.attempts++;
                attempts++;
                if (!EbpfEvents.ESTABLISHED.equals(outcome)) {
                    r.failures++;
                    failures++;
                    r.errors.merge(outcome, 1L, Long::sum);
                }
            }
        }
        long connections = 0;
        long retransmits = 0;
        for (IItemIterable iterable : items.apply(ItemFilters.type(EbpfEvents.TCP_CONNECTION))) {
            var type = iterable.getType();
            IMemberAccessor<?, IItem> address = EventSums.field(type, EbpfEvents.REMOTE_ADDRESS);
            IMemberAccessor<?, IItem> port = EventSums.field(type, EbpfEvents.REMOTE_PORT);
            IMemberAccessor<?, IItem> retrans = EventSums.field(type, EbpfEvents.RETRANSMITS);
            IMemberAccessor<?, IItem> open = EventSums.field(type, EbpfEvents.OPEN);
            for (IItem item : iterable) {
                if (Boolean.TRUE.equals(open.getMember(item))) {
                    continue; // a snapshot of a connection still open: its close comes with its final figures
                }
                Remote r = remotes.computeIfAbsent(endpoint(address.getMember(item), port.getMember(item)), Remote::new);
                long n = EventSums.toLong(retrans.getMember(item));
                r.connections++;
                r.retransmits += n;
                connections++;
                retransmits += n;
            }
        }
        double failedShare = attempts == 0 ? 0 : (double) failures / attempts;
        double perConnection = connections == 0 ? 0 : (double) retransmits / connections;
        double score = Math.max(UninterruptibleWaitRule.score(failedShare, failureLimit),
                scoreUnbounded(perConnection, retransmitLimit));
        ResultBuilder r = result(vp, score)
                .addResult(FAILED_SHARE, CpuStarvationRule.percent(failedShare))
                .addResult(RETRANSMITS_PER_CONNECTION, UnitLookup.NUMBER_UNITY.quantity(perConnection));
        String summary = String.format(Locale.ROOT, "%d of %d connect attempts failed (%.1f%%); %d retransmits over "
                + "%d closed connections (%.2f per connection).", failures, attempts, 100 * failedShare, retransmits,
                connections, perConnection);
        List<Remote> sorted = new ArrayList<>(remotes.values());
        sorted.removeIf(x -> x.trouble() == 0);
        sorted.sort(Comparator.comparingLong(Remote::trouble).reversed());
        StringBuilder listed = new StringBuilder();
        for (int i = 0; i < Math.min(LISTED, sorted.size()); i++) {
            listed.append(i == 0 ? "" : "; ").append(sorted.get(i).describe());
        }
        String definition = "Failed connects are attempts that ended in an error (ECONNREFUSED: nothing listens; "
                + "ETIMEDOUT: no answer to repeated SYNs; EHOSTUNREACH/ENETUNREACH: no route). Retransmits are "
                + "segments the kernel sent again because no acknowledgement came in time: loss or congestion "
                + "on the path, or a peer too slow to read.";
        r.setSummary(summary).setExplanation((sorted.isEmpty() ? "No endpoint had failures or retransmits. "
                : "Endpoints with the most trouble: " + listed + ". ") + definition);
        if (failedShare > failureLimit || perConnection > retransmitLimit) {
            r.setSolution("Check that the named endpoints are up and reachable (refused: the service is down or on "
                    + "another port; timed out: a firewall or a saturated listen backlog), and for retransmits the "
                    + "network path and the peer's load; a connection pool with health checks avoids paying a "
                    + "failed connect per request.");
        }
        return r.build();
    }

    /** As UninterruptibleWaitRule.score, for a value with no upper bound: 100 at ten times the limit. */
    static double scoreUnbounded(double value, double limit) {
        double low = limit / 5;
        if (value < low) {
            return 25 * value / low;
        }
        if (value <= limit) {
            return 25 + 50 * (value - low) / (limit - low);
        }
        return Math.min(100, 75 + 25 * (value - limit) / (9 * limit));
    }

    private static String endpoint(Object address, Object port) {
        String a = String.valueOf(address);
        return (a.contains(":") ? "[" + a + "]" : a) + ":" + EventSums.toLong(port);
    }
}

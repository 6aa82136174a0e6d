package org.ebpfagent.jmc;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RunnableFuture;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.ItemFilters;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.IResultValueProvider;
import org.openjdk.jmc.flightrecorder.rules.IRule;
import org.openjdk.jmc.flightrecorder.rules.ResultBuilder;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.EventAvailability;

/**
 * What every ebpf rule shares: it needs one ebpf event type, answers NA when the recording has
 * none (the agent was not running, or ebpf.jfc was not enabled), and turns a field missing from
 * the recording's event type into JMC's own "missing attribute" result instead of an exception.
 * Rules are stateless: one instance serves concurrent evaluations.
 */
public abstract class EbpfRule implements IRule {
    private final String id;
    private final String name;
    private final String topic;
    private final String eventType;
    private final List<TypedPreference<?>> preferences;
    private final List<TypedResult<?>> results;

    protected EbpfRule(String id, String name, String topic, String eventType,
            List<TypedPreference<?>> preferences, List<TypedResult<?>> results) {
        this.id = id;
        this.name = name;
        this.topic = topic;
        this.eventType = eventType;
        this.preferences = List.copyOf(preferences);
        this.results = List.copyOf(results);
    }

    /** The verdict on a collection that holds at least one {@link #eventType} event. */
    protected abstract IResult evaluate(IItemCollection items, IPreferenceValueProvider preferences)
            throws MissingAttributeException;

    @Override
    public final RunnableFuture<IResult> createEvaluation(IItemCollection items,
            IPreferenceValueProvider preferences, IResultValueProvider dependencyResults) {
        IPreferenceValueProvider vp = preferences == null ? IPreferenceValueProvider.DEFAULT_VALUES : preferences;
        return new FutureTask<>(() -> {
            if (!items.apply(ItemFilters.type(eventType)).hasItems()) {
                return RulesToolkit.getNotApplicableResult(this, vp, "The recording has no " + eventType
                        + " events: it was not made with ebpf-agent, or without its settings (ebpf.jfc).");
            }
            try {
                return evaluate(items, vp);
            } catch (MissingAttributeException e) {
                return RulesToolkit.getNotApplicableResult(this, vp, e.getMessage());
            }
        });
    }

    /** A result with severity and score from {@code score} (JMC's scale: 0-25 OK, 25-75 INFO, 75-100 WARNING). */
    protected ResultBuilder result(IPreferenceValueProvider vp, double score) {
        return ResultBuilder.createFor(this, vp)
                .setSeverity(Severity.get(score))
                .addResult(TypedResult.SCORE, org.openjdk.jmc.common.unit.UnitLookup.NUMBER_UNITY.quantity(score));
    }

    @Override
    public final String getId() {
        return id;
    }

    @Override
    public final String getName() {
        return name;
    }

    @Override
    public final String getTopic() {
        return topic;
    }

    @Override
    public final Map<String, EventAvailability> getRequiredEvents() {
        return Map.of(eventType, EventAvailability.AVAILABLE);
    }

    @Override
    public final Collection<TypedPreference<?>> getConfigurationAttributes() {
        return preferences;
    }

    @Override
    public final Collection<TypedResult<?>> getResults() {
        return results;
    }
}

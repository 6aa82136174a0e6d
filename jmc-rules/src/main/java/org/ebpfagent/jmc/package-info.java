/**
 * Rules for JDK Mission Control's automated analysis over ebpf-agent's events.
 *
 * <p>Each rule is an {@link org.openjdk.jmc.flightrecorder.rules.IRule} listed in
 * {@code META-INF/services/org.openjdk.jmc.flightrecorder.rules.IRule}, which is how JMC's
 * {@code RuleRegistry} finds it on a class path; {@code plugin.xml} makes the same jar a rule
 * provider bundle for the JMC application. The rules read recordings only through JMC's item
 * model ({@code IItemCollection}), never through jdk.jfr, so they run wherever JMC runs. Rules
 * share {@link org.ebpfagent.jmc.EbpfRule} (evaluation, not-applicable and missing-attribute
 * results) and {@link org.ebpfagent.jmc.EventSums} (per-key sums of an event type's fields).
 */
package org.ebpfagent.jmc;

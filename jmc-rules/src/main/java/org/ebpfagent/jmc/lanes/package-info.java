/**
 * A JMC parser extension that puts each ebpf event on the lane of the thread it measured.
 *
 * <p>JFR records as an event's thread the thread that committed it, and the agent commits every
 * ebpf event on its poller thread, so without this JMC's Threads page, its per-thread tables and
 * anything grouped by the event thread see the poller alone. {@link
 * org.ebpfagent.jmc.lanes.MeasuredThreadExtension}, found by JMC's parser through
 * {@code META-INF/services/org.openjdk.jmc.flightrecorder.parser.IParserExtension}, rewrites the
 * event thread of every ebpf event that names a measured thread while the recording is loaded;
 * JDK events and ebpf events without a measured thread pass through untouched. It also hands
 * each ebpf event type to JMC in order of end time ({@link org.ebpfagent.jmc.lanes.HeldEvents}),
 * which keeps JMC 9.1 from losing and doubling the agent's events. The package uses
 * only JMC's core (common and flightrecorder), so it can also be built as a fragment of JMC's
 * flightrecorder bundle for the JMC application.
 */
package org.ebpfagent.jmc.lanes;

/** What every probe shares: the embedded BPF objects and the process identity the probes filter on. */
package org.ebpfagent.agent.probe;

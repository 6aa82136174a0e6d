/**
 * Which {@link java.lang.Thread} a Linux thread id belongs to: the registry, and the ways threads
 * get into it (instrumented thread start, the main thread, name matching for threads that existed
 * before the agent).
 */
package org.ebpfagent.agent.threads;

package org.ebpfagent.agent;

import java.lang.instrument.Instrumentation;

/**
 * Entry point of {@code -javaagent:ebpf-agent.jar=key=value,...}. Does as little as possible and
 * lets nothing escape: an exception leaving premain would abort the JVM.
 */
public final class Agent {
    private Agent() {}

    public static void premain(String args, Instrumentation inst) {
        start(args, inst);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst);
    }

    private static void start(String args, Instrumentation inst) {
        try {
            AgentOptions options;
            try {
                options = AgentOptions.parse(args);
            } catch (AgentOptions.InvalidOption e) {
                AgentLog.configure("info");
                org.slf4j.LoggerFactory.getLogger("ebpf-agent").error("{}; agent disabled", e.getMessage());
                return;
            }
            AgentLog.configure(options.logLevel());
            EbpfAgent.start(options, inst);
        } catch (Throwable t) {
            try {
                System.err.println("ERROR ebpf-agent - agent disabled: " + t);
            } catch (Throwable ignored) {
                // nothing left to tell it with
            }
        }
    }
}

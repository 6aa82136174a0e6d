package org.ebpfagent.agent;

import java.lang.instrument.Instrumentation;

import org.ebpfagent.agent.util.Log;

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
                Log.named("ebpf-agent").error("{}; agent disabled", e.getMessage());
                return;
            }
            Log.setLevel(options.logLevel());
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

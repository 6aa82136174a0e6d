package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;

/**
 * An application that does nothing: prints READY and returns at the first line on stdin, so that
 * while it waits only the JVM, JFR and the agent work.
 */
public final class WaitWorkload {
    public static void main(String[] args) throws Exception {
        System.out.println("READY");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
    }
}

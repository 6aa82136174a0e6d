package org.ebpfagent.agent.cli;

/** A command that cannot go on: the one line to print on stderr, and the exit code. */
final class CliError extends Exception {
    private static final long serialVersionUID = 1L;
    final int exitCode;

    CliError(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }
}

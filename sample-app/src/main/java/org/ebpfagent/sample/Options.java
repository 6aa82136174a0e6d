package org.ebpfagent.sample;

/** Command-line options of the sample app, with their defaults and parsing. */
record Options(int durationSeconds, int spinners, int sleepers, int poolWorkers, int echoClients, boolean help) {

    static final String USAGE = """
            usage: java -jar sample-app.jar [--duration=SECONDS] [--spinners=N] [--sleepers=N] [--pool=N] [--echo=N] [--help]
              --duration=SECONDS  how long to run, at least 1 (default 10)
              --spinners=N        CPU-bound threads spinner-0.. (default 4, more than cores so they queue)
              --sleepers=N        threads sleeper-0.. that sleep 10 ms in a loop (default 2)
              --pool=N            threads pool-worker-0.. contending on one lock (default 4)
              --echo=N            threads echo-client-0.. that each connect to the app's own echo server
                                  over loopback, send 1 KiB, read it back and close, every 20 ms (default 2)
              --help              print this help and exit""";

    /** Thrown for a bad command line; the message is the single error line shown to the user. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /** Parses {@code --name=value} arguments; anything unknown or malformed is a {@link UsageException}. */
    static Options parse(String[] args) throws UsageException {
        int duration = 10, spinners = 4, sleepers = 2, pool = 4, echo = 2;
        for (var arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                return new Options(duration, spinners, sleepers, pool, echo, true);
            }
            int eq = arg.indexOf('=');
            var name = eq < 0 ? arg : arg.substring(0, eq);
            var value = eq < 0 ? null : arg.substring(eq + 1);
            switch (name) {
                case "--duration" -> duration = number(name, value, "SECONDS", 1);
                case "--spinners" -> spinners = number(name, value, "N", 0);
                case "--sleepers" -> sleepers = number(name, value, "N", 0);
                case "--pool" -> pool = number(name, value, "N", 0);
                case "--echo" -> echo = number(name, value, "N", 0);
                default -> throw new UsageException("unknown option '" + arg
                        + "' (accepted: --duration=SECONDS, --spinners=N, --sleepers=N, --pool=N, --echo=N, --help)");
            }
        }
        return new Options(duration, spinners, sleepers, pool, echo, false);
    }

    private static int number(String name, String value, String placeholder, int min) throws UsageException {
        var problem = "bad value for " + name + ": expected " + name + "=" + placeholder
                + " with " + placeholder + " an integer >= " + min;
        if (value == null) {
            throw new UsageException(problem + ", got no value");
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Reported below together with the out-of-range case.
        }
        throw new UsageException(problem + ", got '" + value + "'");
    }
}

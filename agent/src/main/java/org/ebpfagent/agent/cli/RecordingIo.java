package org.ebpfagent.agent.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** What every command does with files: read a recording, write an output, each failure one line. */
final class RecordingIo {

    /** Reads a recording into something. */
    @FunctionalInterface
    interface Reader<T> {
        T read(Path file) throws IOException;
    }

    /** Writes an output to a stream. */
    @FunctionalInterface
    interface Writer {
        void write(PrintStream to) throws IOException;
    }

    private RecordingIo() {}

    static <T> T read(Path file, Reader<T> reader) throws CliError {
        if (Files.isDirectory(file)) {
            throw new CliError(Main.UNREADABLE, "ebpf-agent: " + file + " is a directory, not a recording");
        }
        if (!Files.exists(file)) {
            throw new CliError(Main.UNREADABLE, "ebpf-agent: no such file: " + file);
        }
        try {
            return reader.read(file);
        } catch (NoSuchFileException e) {
            throw new CliError(Main.UNREADABLE, "ebpf-agent: no such file: " + file);
        } catch (IOException e) {
            throw new CliError(Main.UNREADABLE, "ebpf-agent: cannot read " + file + " as a JFR recording: " + e.getMessage());
        } catch (RuntimeException e) {
            // jdk.jfr.consumer reads a truncated file past its end with unchecked exceptions.
            throw new CliError(Main.UNREADABLE, "ebpf-agent: cannot read " + file
                    + ", a damaged or truncated recording (" + e + ")");
        }
    }

    static CliError noEvents(Path file) {
        return new CliError(Main.NO_EVENTS, "ebpf-agent: " + file + " holds no ebpf.ThreadScheduling events "
                + "(was the agent attached and the ebpf events enabled, e.g. with settings=ebpf.jfc?)");
    }

    /** Writes to {@code output}, or to {@code out} when it is null. */
    static void write(String output, PrintStream out, Writer writer) throws CliError {
        if (output == null) {
            try {
                writer.write(out);
            } catch (IOException e) {
                throw new CliError(Main.UNREADABLE, "ebpf-agent: cannot write: " + e.getMessage());
            }
            out.flush();
            return;
        }
        try (OutputStream sink = Files.newOutputStream(Path.of(output));
             PrintStream to = new PrintStream(sink, false, StandardCharsets.UTF_8)) {
            writer.write(to);
            to.flush();
            if (to.checkError()) {
                throw new IOException("write failed");
            }
        } catch (IOException e) {
            throw new CliError(Main.UNREADABLE, "ebpf-agent: cannot write " + output + ": "
                    + (e instanceof NoSuchFileException ? "no such directory" : e.getMessage()));
        }
    }
}

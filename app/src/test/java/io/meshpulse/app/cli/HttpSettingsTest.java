package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The HTTP settings of the commands that serve or ask a server (token file, port, pairs): a bad one is one line and
 * exit code 2, said before a broker starts, never a stack trace, and an empty token file never means "no token".
 */
class HttpSettingsTest {

    record Run(int exit, String err) {}

    static Run execute(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Meshpulse.commandLine();
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, err.toString());
    }

    @Test
    void aTokenFileThatIsMissingOrEmptyIsASettingsError(@TempDir Path tmp) throws Exception {
        Path missing = tmp.resolve("no-such-token");
        SettingsError e = assertThrows(SettingsError.class, () -> ServeMixin.token(missing, "--http-token-file"));
        assertEquals("--http-token-file " + missing + ": no such file", e.getMessage());

        Path empty = Files.writeString(tmp.resolve("empty-token"), " \n");
        e = assertThrows(SettingsError.class, () -> ServeMixin.token(empty, "--http-token-file"));
        assertTrue(e.getMessage().contains("the file is empty"), e.getMessage());

        Path good = Files.writeString(tmp.resolve("token"), "s3cret\n");
        assertEquals("s3cret", ServeMixin.token(good, "--http-token-file"));
    }

    @Test
    void triageWithAMissingTokenFileSaysSoInOneLine(@TempDir Path tmp) {
        Path missing = tmp.resolve("no-such-token");
        Run r = execute("triage", "top", "--url", "http://127.0.0.1:1", "--token-file", missing.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--token-file " + missing + ": no such file"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void runStopsOnABadTokenFileBeforeItStartsItsBroker(@TempDir Path tmp) throws Exception {
        Path empty = Files.writeString(tmp.resolve("token"), "");
        Path state = tmp.resolve("state");
        // bounded: the code before this check ran on with the API open (an empty file read as "no token")
        Run r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                () -> execute("run", "--http-token-file", empty.toString(), "--state-dir", state.toString(),
                        "--broker-port", "0", "--http-port", "0"));
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--http-token-file " + empty + ": the file is empty"), r.err());
        assertFalse(Files.exists(state.resolve("broker")), "no broker was started");
    }

    @Test
    void aPortOutOfRangeIsNamed(@TempDir Path tmp) {
        Run r = execute("replay", "--input", tmp.toString(), "--out", tmp.resolve("out").toString(), "--serve",
                "--http-port", "70000");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--http-port 70000: not a port"), r.err());
        r = execute("replay", "--input", tmp.toString(), "--out", tmp.resolve("out").toString(), "--serve",
                "--http-port", "0", "--metrics-max-pairs", "0");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--metrics-max-pairs 0: must be at least 1"), r.err());
    }
}

package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshpulse parse} output, byte for byte, against a recording made with the parser before its records
 * became lazy (main at 021f459): 150 lines of the benchmark corpus (TEXT, the same requests as JSON, and TEXT lines
 * with one to three random edits) plus a line with non-ASCII values, a 40 KB line (past the lazy records' span
 * limit), a custom route name, Envoy's and istio-agent's own logs and an empty line. Any change to the parser that
 * moves a byte of the contract shows up here.
 */
class ParseContractTest {

    @TempDir
    Path dir;

    @Test
    void printsWhatTheRecordingHolds() throws IOException {
        Path lines = dir.resolve("lines.txt.gz");
        try (InputStream in = resource("lines.txt.gz")) {
            Files.copy(in, lines);
        }
        String expected;
        try (InputStream in = new GZIPInputStream(resource("expected.jsonl.gz"))) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = Meshpulse.commandLine().execute("parse", lines.toString());
        } finally {
            System.setOut(original);
        }
        assertEquals(0, exit);
        String actual = captured.toString(StandardCharsets.UTF_8);
        assertEquals(expected.lines().count(), actual.lines().count(), "one output line per input line");
        String[] e = expected.split("\n", -1);
        String[] a = actual.split("\n", -1);
        for (int i = 0; i < Math.min(e.length, a.length); i++) assertEquals(e[i], a[i], "output line " + (i + 1));
        assertEquals(expected, actual);
    }

    private static InputStream resource(String name) {
        InputStream in = ParseContractTest.class.getResourceAsStream("/parse-contract/" + name);
        if (in == null) throw new IllegalStateException("missing test resource " + name);
        return in;
    }
}

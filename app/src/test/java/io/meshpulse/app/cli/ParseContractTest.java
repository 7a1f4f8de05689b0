package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshpulse parse} output, byte for byte, against a recording made with the parser before its records
 * became lazy (main at 021f459): 150 lines of the benchmark corpus (TEXT, the same requests as JSON, and TEXT lines
 * with one to three random edits) plus a line with non-ASCII values, a 40 KB line (past the lazy records' span
 * limit), a custom route name, Envoy's and istio-agent's own logs and an empty line. Any change to the parser that
 * moves a byte of the contract shows up here. Changed on purpose since: line 6, a quote inside the x-request-id,
 * parses now (it was "stray quote in request_id").
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

    /** One object per line ended by {@code \n}: a lone {@code \r} does not end a line, one before {@code \n} is dropped. */
    @Test
    void onlyANewlineEndsALine() throws IOException {
        String line = "[2025-03-14T08:00:00.038Z] \"GET / HTTP/1.1\" 200 - via_upstream - \"-\" 0 33 1 1 \"-\" \"curl\" "
                + "\"id\" \"cart:8080\" \"10.0.0.9:8080\" outbound|8080||cart.shop.svc.cluster.local 10.0.0.5:4000 "
                + "10.96.0.9:8080 10.0.0.5:4001 - default";
        Path f = dir.resolve("crlf.log");
        Files.writeString(f, line + "\r\n" + "abc\rdef\n" + line + "\r\r\n" + line);
        Run r = run("parse", f.toString());
        assertEquals(0, r.exit, r.err);
        String[] out = r.out.split("\n");
        assertEquals(4, out.length, r.out);
        assertEquals(true, out[0].startsWith("{\"ok\":true"), out[0]);
        assertEquals(true, out[1].startsWith("{\"ok\":false"), out[1]);
        assertEquals(true, out[2].startsWith("{\"ok\":true"), out[2]);
        assertEquals(out[0], out[3], "the last line needs no newline");
    }

    /** A file that cannot be read is named on stderr; the others are still parsed, and the exit code says so. */
    @Test
    void anUnreadableFileIsReportedAndTheOthersParsed() throws IOException {
        Path good = dir.resolve("good.log");
        Files.writeString(good, "not an access log\n");
        Run r = run("parse", good.toString(), dir.resolve("nope.log").toString(), dir.toString(), good.toString());
        assertEquals(1, r.exit);
        assertEquals(2, r.out.lines().count(), r.out);
        assertEquals(List.of("meshpulse parse: " + dir.resolve("nope.log") + ": no such file",
                "meshpulse parse: " + dir + ": is a directory"), r.err.lines().toList());
    }

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = Meshpulse.commandLine().execute(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = ParseContractTest.class.getResourceAsStream("/parse-contract/" + name);
        if (in == null) throw new IllegalStateException("missing test resource " + name);
        return in;
    }
}

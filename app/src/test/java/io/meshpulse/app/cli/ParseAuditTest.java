package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshpulse parse} over the independent audit corpus (resources {@code parse-audit/cli-*}; the generator is
 * {@code topology/src/test/resources/parse-audit/gen.py}): the library cases of {@code AccessLogParserAuditTest}
 * plus every envelope (kubectl with and without {@code --timestamps}, CRI {@code F} and {@code P}+{@code F} on
 * stdout and stderr, interleaved streams, docker json-file with escaped content and split chunks, a
 * ContainerLogV2-style sorted JSON object) and the proxy's own logs inside them.
 */
class ParseAuditTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyAuditLineGivesItsExpectedObject() throws IOException {
        Path lines = dir.resolve("lines.txt.gz");
        try (InputStream in = resource("cli-lines.txt.gz")) {
            Files.copy(in, lines);
        }
        List<JsonNode> expected = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(resource("cli-expected.jsonl.gz"))) {
            for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!l.isEmpty()) expected.add(JSON.readTree(l));
            }
        }
        List<String> out = parse(lines.toString());
        assertEquals(expected.size(), out.size(), "one output object per input line");
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            String problem = compare(expected.get(i), JSON.readTree(out.get(i)));
            if (problem != null) failures.add(expected.get(i).get("id").asText() + ": " + problem);
        }
        assertTrue(failures.isEmpty(), failures.size() + " lines differ:\n" + String.join("\n", failures));
    }

    /**
     * A partial chunk whose line never ends (the input was cut after a CRI {@code P}) is answered on its own line
     * only. The command used to print the leftover once more at the end of each file, one object more than there
     * were lines, which shifts every consumer that pairs input and output lines.
     */
    @Test
    void aPartialLeftAtTheEndOfAFileAddsNoOutputLine() throws IOException {
        String access = "[2024-05-01T10:00:00.123Z] \"GET / HTTP/1.1\" 200 - via_upstream - \"-\" 0 5 1 1 \"-\" \"curl\""
                + " \"rid\" \"a:80\" \"10.0.0.2:80\" outbound|80||a.b.svc.cluster.local 10.0.0.1:1 10.96.0.1:80 10.0.0.1:2 - default";
        Path a = dir.resolve("a.log");
        Files.writeString(a, "2024-05-01T10:00:00.1Z stdout F " + access + "\n"
                + "2024-05-01T10:00:00.2Z stdout P " + access.substring(0, 60) + "\n");
        Path b = dir.resolve("b.log");
        Files.writeString(b, "{\"log\":\"" + access.replace("\"", "\\\"") + "\",\"stream\":\"stdout\",\"time\":\"2024-05-01T10:00:00Z\"}\n");

        List<String> out = parse(a.toString(), b.toString());

        assertEquals(3, out.size(), String.join("\n", out));
        assertTrue(JSON.readTree(out.get(0)).get("ok").asBoolean());
        assertFalse(JSON.readTree(out.get(1)).get("ok").asBoolean());
        assertFalse(JSON.readTree(out.get(2)).get("ok").asBoolean(), "a docker chunk without its newline is partial");
    }

    /** Null when {@code got} meets the expectation (see AccessLogParserAuditTest for its fields), else the problem. */
    private static String compare(JsonNode e, JsonNode got) {
        boolean ok = got.get("ok").asBoolean();
        if (!e.get("ok").asBoolean()) return ok ? "expected a rejection, got " + got : null;
        if (!ok) return e.path("okAlt").asBoolean() ? null : "expected an access log, got " + got;
        JsonNode alt = e.path("alt");
        for (Iterator<Map.Entry<String, JsonNode>> it = e.get("fields").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode have = got.get(f.getKey());
            if (f.getKey().equals("responseFlags") && have != null) have = sorted(have);
            if (same(f.getValue(), have)) continue;
            boolean accepted = false;
            for (JsonNode a : alt.path(f.getKey())) accepted |= same(a, have);
            if (!accepted) return f.getKey() + " expected " + f.getValue() + " got " + have;
        }
        return null;
    }

    private static JsonNode sorted(JsonNode flags) {
        List<String> l = new ArrayList<>();
        flags.forEach(n -> l.add(n.asText()));
        l.sort(null);
        return JSON.valueToTree(l);
    }

    private static boolean same(JsonNode want, JsonNode have) {
        if (have == null) return false;
        if (want.isNumber() && have.isNumber()) return want.decimalValue().compareTo(have.decimalValue()) == 0;
        return want.equals(have);
    }

    private static List<String> parse(String... files) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            String[] args = new String[files.length + 1];
            args[0] = "parse";
            System.arraycopy(files, 0, args, 1, files.length);
            exit = Meshpulse.commandLine().execute(args);
        } finally {
            System.setOut(original);
        }
        assertEquals(0, exit);
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static InputStream resource(String name) {
        InputStream in = ParseAuditTest.class.getResourceAsStream("/parse-audit/" + name);
        if (in == null) throw new IllegalStateException("missing test resource " + name);
        return in;
    }
}

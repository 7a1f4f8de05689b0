package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code meshpulse parse} on a kubelet CRI file whose long lines the runtime split into 16 KiB chunks by bytes, each
 * split falling inside a 2-, 3- or 4-byte character of the path or the user agent: the joined line's fields hold the
 * original text, not replacement characters.
 */
class ParseCriSplitTest {
    /** The CRI runtime's chunk size (containerd and CRI-O): 16 KiB of content. */
    static final int SPLIT = 16 * 1024;

    @TempDir
    Path dir;

    /** An access line whose path and user agent are given. */
    static String access(String path, String userAgent) {
        return "[2025-03-14T08:00:00.038Z] \"GET " + path + " HTTP/1.1\" 200 - via_upstream - \"-\" 0 33 1 1 \"-\" \""
                + userAgent + "\" \"id\" \"cart:8080\" \"10.0.0.9:8080\" outbound|8080||cart.shop.svc.cluster.local "
                + "10.0.0.5:4000 10.96.0.9:8080 10.0.0.5:4001 - default";
    }

    /**
     * {@code text} as the runtime writes it: chunks of {@link #SPLIT} bytes tagged P, the last one F, each with its
     * envelope and a newline.
     */
    static byte[] criChunks(String text, String time) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int from = 0; from < b.length || from == 0; from += SPLIT) {
            int to = Math.min(b.length, from + SPLIT);
            out.writeBytes((time + " stdout " + (to == b.length ? "F" : "P") + " ").getBytes(StandardCharsets.US_ASCII));
            out.write(b, from, to - from);
            out.write('\n');
            if (to == b.length) break;
        }
        return out.toByteArray();
    }

    /** A string of {@code n} ASCII letters then {@code ch}, so that {@code ch} starts at byte {@code n}. */
    static String padded(int n, String ch) {
        return "a".repeat(n) + ch;
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u00e9", "\u20ac", "\ud83d\ude00"})
    void aCharacterCutBySixteenKibSplitsParsesWhole(String ch) throws IOException {
        int width = ch.getBytes(StandardCharsets.UTF_8).length;
        String prefixToPath = "[2025-03-14T08:00:00.038Z] \"GET ";
        String prefixToAgent = access("/", "").substring(0, access("/", "").indexOf("\"-\" \"\"") + 5);
        List<String[]> want = new ArrayList<>(); // {path, userAgent} per line
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        for (int cut = 1; cut < width; cut++) {
            // the split falls `cut` bytes into the character: in the path, then in the user agent
            String path = "/" + padded(SPLIT - cut - prefixToPath.length() - 1, ch) + "/x" + ch;
            String agent = padded(SPLIT - cut - prefixToAgent.length(), ch) + " curl";
            for (String[] f : new String[][] {{path, "curl/8.5.0"}, {"/", agent}}) {
                String line = access(f[0], f[1]);
                byte[] b = line.getBytes(StandardCharsets.UTF_8);
                byte[] chBytes = ch.getBytes(StandardCharsets.UTF_8);
                assertEquals(chBytes[cut], b[SPLIT], "the split falls inside the character");
                file.writeBytes(criChunks(line, "2025-03-14T08:00:00.100000000Z"));
                want.add(f);
            }
        }
        Path log = dir.resolve("0.log");
        Files.write(log, file.toByteArray());
        String out = run("parse", log.toString());
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> joined = new ArrayList<>();
        for (String l : out.split("\n")) {
            JsonNode n = json.readTree(l);
            if (n.get("ok").asBoolean()) joined.add(n);
            else assertEquals("partial line (cri): continued on a following line", n.get("error").asText(), l);
        }
        assertEquals(want.size(), joined.size(), out.length() > 2000 ? out.substring(0, 2000) : out);
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.get(i)[0], joined.get(i).get("path").asText(), "path of line " + i);
            assertEquals(want.get(i)[1], joined.get(i).get("userAgent").asText(), "user agent of line " + i);
        }
    }

    /** Bytes that are not UTF-8 (not a split) still print as U+FFFD, as before. */
    @Test
    void invalidBytesStillPrintAsReplacementCharacters() throws IOException {
        String line = access("/caf_", "curl");
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        int at = line.indexOf('_');
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes("2025-03-14T08:00:00.1Z stdout P ".getBytes(StandardCharsets.US_ASCII));
        file.write(b, 0, at);
        file.write(0xE2); // the start of a three-byte character that the next chunk does not finish
        file.write('\n');
        file.writeBytes("2025-03-14T08:00:00.1Z stdout F ".getBytes(StandardCharsets.US_ASCII));
        file.write(b, at + 1, b.length - at - 1);
        file.write('\n');
        Path log = dir.resolve("bad.log");
        Files.write(log, file.toByteArray());
        String[] out = run("parse", log.toString()).split("\n");
        assertEquals(2, out.length);
        assertEquals("/caf\ufffd", new ObjectMapper().readTree(out[1]).get("path").asText());
    }

    private static String run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            assertEquals(0, Meshpulse.commandLine().execute(args));
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}

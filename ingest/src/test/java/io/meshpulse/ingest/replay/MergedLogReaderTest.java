package io.meshpulse.ingest.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.ingest.files.LogFileSet.ContainerLogFiles;
import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.RawLogLine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergedLogReaderTest {
    @TempDir
    Path dir;

    private static void chunk(ByteArrayOutputStream out, String time, String tag, byte[] b, int from, int to) {
        out.writeBytes((time + " stdout " + tag + " ").getBytes(StandardCharsets.US_ASCII));
        out.write(b, from, to - from);
        out.write('\n');
    }

    private static int cut(String text, String s, int k) {
        return text.substring(0, text.indexOf(s)).getBytes(StandardCharsets.UTF_8).length + k;
    }

    /**
     * A replay of CRI files whose chunks the runtime's split ended inside a 2-, 3- and 4-byte character, one of them
     * at a rotation (the P chunk the last line of the gzipped rotated file, the F chunk the first of the live one):
     * every joined line is the original text.
     */
    @Test
    void aCharacterCutByTheSplitIsJoinedWholeAlsoAcrossARotation() throws IOException {
        String one = "GET /caf\u00e9/\u20ac end";
        String two = "GET /\ud83d\ude00 x";
        byte[] b1 = one.getBytes(StandardCharsets.UTF_8);
        byte[] b2 = two.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream rotated = new ByteArrayOutputStream();
        int c1 = cut(one, "\u00e9", 1);
        int c2 = cut(one, "\u20ac", 1);
        chunk(rotated, "2026-11-20T10:00:00.1Z", "P", b1, 0, c1);
        chunk(rotated, "2026-11-20T10:00:00.2Z", "P", b1, c1, c2);
        chunk(rotated, "2026-11-20T10:00:00.3Z", "F", b1, c2, b1.length);
        int c3 = cut(two, "\ud83d\ude00", 3);
        chunk(rotated, "2026-11-20T10:00:00.4Z", "P", b2, 0, c3);
        ByteArrayOutputStream live = new ByteArrayOutputStream();
        chunk(live, "2026-11-20T10:00:00.5Z", "F", b2, c3, b2.length);
        Path gz = dir.resolve("0.log.20261120-100001.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(rotated.toByteArray());
        }
        Path log = dir.resolve("0.log");
        Files.write(log, live.toByteArray());
        List<String> got = new ArrayList<>();
        try (MergedLogReader r = new MergedLogReader(
                List.of(new ContainerLogFiles("shop", "cart-1", "istio-proxy", List.of(gz, log))), "node-1")) {
            for (RawLogLine l = r.next(); l != null; l = r.next()) got.add(l.line());
            assertEquals(0, r.truncatedLines());
            assertEquals(5, r.physicalLines());
            assertNull(r.next());
        }
        assertEquals(List.of(one, two), got);
    }

    private static final String ACCESS = "[2026-11-20T10:00:00.000Z] \"GET /x HTTP/1.1\" 200 - via_upstream - \"-\" 0 5 1 1"
            + " \"-\" \"curl\" \"id\" \"cart\" \"10.0.0.2:80\" outbound|80||cart.shop.svc.cluster.local 10.0.0.1:1"
            + " 10.0.0.9:80 10.0.0.1:2 - default";

    private record Read(List<String> lines, List<DeadLetter> dead, MergedLogReader reader) {}

    private static Read read(List<Path> files) {
        List<String> lines = new ArrayList<>();
        List<DeadLetter> dead = new ArrayList<>();
        try (MergedLogReader r = new MergedLogReader(List.of(new ContainerLogFiles("shop", "cart-1", "istio-proxy", files)),
                "node-1", (key, dl, time) -> {
                    assertEquals("shop/cart-1", key);
                    dead.add(dl);
                })) {
            for (RawLogLine l = r.next(); l != null; l = r.next()) lines.add(l.line());
            return new Read(lines, dead, r);
        }
    }

    private static String cri(String time, String tag, String content) {
        return time + " stdout " + tag + " " + content + "\n";
    }

    /**
     * A rejoined line over the 1 MiB cap (16 KiB CRI chunks) and a partial line whose final chunk never came (the last
     * bytes of the log) are dead letters of kind oversize and truncated, as {@code ingest tail} sends them, not lines
     * for the parser (which rejected the first as "truncated access log: 1 fields" and could count the second).
     */
    @Test
    void anOversizedAndATruncatedLineAreDeadLettersNotLines() throws IOException {
        StringBuilder file = new StringBuilder(cri("2026-11-20T10:00:00.1Z", "F", ACCESS));
        String big = "[2026-11-20T10:00:00.200Z] \"GET /" + "y".repeat(1_200_000) + " HTTP/1.1\" 200 - via_upstream";
        for (int i = 0; i < big.length(); i += 16_384) {
            file.append(cri("2026-11-20T10:00:00.2Z", i + 16_384 < big.length() ? "P" : "F",
                    big.substring(i, Math.min(big.length(), i + 16_384))));
        }
        file.append(cri("2026-11-20T10:00:00.3Z", "F", ACCESS));
        file.append(cri("2026-11-20T10:00:00.4Z", "P", ACCESS.substring(0, 100)));
        Path log = dir.resolve("0.log");
        Files.writeString(log, file);
        Read got = read(List.of(log));
        assertEquals(List.of(ACCESS, ACCESS), got.lines);
        assertEquals(List.of("oversize", "truncated"), got.dead.stream().map(DeadLetter::kind).toList());
        assertTrue(got.dead.get(0).reason().startsWith("oversized: line exceeds"), got.dead.get(0).reason());
        assertEquals(ACCESS.substring(0, 100), got.dead.get(1).line());
        assertEquals("2026-11-20T10:00:00.400Z", got.dead.get(1).ts());
        assertEquals(2, got.reader.deadLettered());
        assertEquals(1, got.reader.truncatedLines());
    }

    /**
     * A file whose tail is a run of NUL bytes without a newline (what a crash can leave of a log file): one oversize
     * dead letter with its first 64 KiB, the lines before it and the log's next file read, and memory stays bounded
     * (the old reader held the whole run: a 1.5 GB run ended the replay with an OutOfMemoryError).
     */
    @Test
    void aNulTailWithoutNewlineIsOneOversizeDeadLetter() throws IOException {
        Path rotated = dir.resolve("0.log.20261120-100001");
        try (OutputStream o = Files.newOutputStream(rotated)) {
            o.write(cri("2026-11-20T10:00:00.1Z", "F", ACCESS).getBytes(StandardCharsets.UTF_8));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 3; i++) o.write(zeros);
        }
        Path log = dir.resolve("0.log");
        Files.writeString(log, cri("2026-11-20T10:00:00.2Z", "F", ACCESS));
        Read got = read(List.of(rotated, log));
        assertEquals(List.of(ACCESS, ACCESS), got.lines);
        assertEquals(1, got.dead.size());
        assertEquals("oversize", got.dead.get(0).kind());
        assertEquals(DeadLetter.MAX_LINE, got.dead.get(0).line().length());
        assertEquals(3, got.reader.physicalLines());
    }

    /**
     * Gzipped or not is told by the first bytes: a rotation gzipped without the .gz name, and one named .gz but plain,
     * are both read. A cut gzip and a file that cannot be read are reported, with the lines read before the damage,
     * and the log goes on with its next file: before, any of these ended the whole replay with an exception.
     */
    @Test
    void gzipIsToldByContentAndABrokenFileDoesNotStopTheReplay() throws IOException {
        Path gzNoName = dir.resolve("0.log.20261120-100001");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gzNoName))) {
            o.write(cri("2026-11-20T10:00:00.1Z", "F", ACCESS + " a").getBytes(StandardCharsets.UTF_8));
        }
        Path plainGz = dir.resolve("0.log.20261120-100002.gz");
        Files.writeString(plainGz, cri("2026-11-20T10:00:00.2Z", "F", ACCESS + " b"));
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(whole)) {
            for (int i = 0; i < 2000; i++) {
                o.write(cri("2026-11-20T10:00:00.3Z", "F", ACCESS + " c" + i).getBytes(StandardCharsets.UTF_8));
            }
        }
        Path cutGz = dir.resolve("0.log.20261120-100003.gz");
        Files.write(cutGz, java.util.Arrays.copyOf(whole.toByteArray(), whole.size() / 2));
        Path notAFile = dir.resolve("0.log.20261120-100004");
        Files.createDirectory(notAFile);
        Path log = dir.resolve("0.log");
        Files.writeString(log, cri("2026-11-20T10:00:00.5Z", "F", ACCESS + " e"));
        Read got = read(List.of(gzNoName, plainGz, cutGz, notAFile, log));
        assertEquals(ACCESS + " a", got.lines.get(0));
        assertEquals(ACCESS + " b", got.lines.get(1));
        assertEquals(ACCESS + " e", got.lines.get(got.lines.size() - 1));
        long fromCut = got.lines.stream().filter(l -> l.contains(" c")).count();
        assertTrue(fromCut > 0 && fromCut < 2000, "lines read from the cut gzip: " + fromCut);
        List<String> errors = got.reader.fileErrors();
        assertEquals(2, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith(cutGz + ": read failed after " + fromCut + " lines"), errors.get(0));
        assertTrue(errors.get(1).startsWith(notAFile + ": cannot be read"), errors.get(1));
    }
}

package io.meshpulse.ingest.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.meshpulse.ingest.files.LogFileSet.ContainerLogFiles;
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
}

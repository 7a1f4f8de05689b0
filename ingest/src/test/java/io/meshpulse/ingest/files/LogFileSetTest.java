package io.meshpulse.ingest.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFileSetTest {
    @TempDir
    Path root;

    private Path file(Path dir, String name, String content) throws IOException {
        Files.createDirectories(dir);
        Path p = dir.resolve(name);
        if (name.endsWith(".gz")) {
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
                out.write(content.getBytes());
            }
        } else {
            Files.writeString(p, content);
        }
        return p;
    }

    @Test
    void rotationsInWriteOrderEachOnceEvenMidCompression() throws IOException {
        Path dir = root.resolve("shop_cart-1_0000-uid").resolve("istio-proxy");
        file(dir, "0.log.20261120-100000.gz", "oldest\n");
        file(dir, "0.log.20261120-100500", "middle\n");
        file(dir, "0.log.20261120-100500.gz", "middle\n"); // the kubelet's copy, the original not yet removed
        file(dir, "0.log.20261120-101000.tmp", "being compressed\n");
        file(dir, "0.log.20261120-101000", "newer\n");
        file(dir, "0.log", "live\n");
        List<String> skipped = new ArrayList<>();
        var logs = LogFileSet.discover(List.of(root), Set.of("istio-proxy"), skipped);
        assertEquals(1, logs.size());
        assertEquals(List.of("0.log.20261120-100000.gz", "0.log.20261120-100500", "0.log.20261120-101000", "0.log"),
                logs.get(0).files().stream().map(p -> p.getFileName().toString()).toList());
        assertTrue(skipped.stream().anyMatch(s -> s.contains("0.log.20261120-100500.gz: a compressed copy of")), skipped.toString());
    }
}

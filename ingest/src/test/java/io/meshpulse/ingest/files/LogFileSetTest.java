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

    /**
     * /var/log/containers links into /var/log/pods, absolute and relative, given with /var/log/pods: each file read
     * once, under the pod's identity. A link whose target is gone (a copy of a node's /var/log/containers without
     * /var/log/pods) is said in the skipped list; before, it was passed over without a word.
     */
    @Test
    void containerLinksAreReadOnceAndABrokenOneIsSaid() throws IOException {
        Path pods = root.resolve("var/log/pods");
        Path live = file(pods.resolve("shop_cart-7d9f8c6b5-x2x4q_0000-uid").resolve("istio-proxy"), "0.log", "a\n");
        Path live2 = file(pods.resolve("shop_web-0_1111-uid").resolve("istio-proxy"), "0.log", "b\n");
        Path containers = Files.createDirectories(root.resolve("var/log/containers"));
        Files.createSymbolicLink(containers.resolve("cart-7d9f8c6b5-x2x4q_shop_istio-proxy-" + "a".repeat(64) + ".log"), live);
        Files.createSymbolicLink(containers.resolve("web-0_shop_istio-proxy-" + "b".repeat(64) + ".log"),
                containers.relativize(live2));
        Path broken = containers.resolve("gone-7d9f8c6b5-zzzzz_shop_istio-proxy-" + "c".repeat(64) + ".log");
        Files.createSymbolicLink(broken, Path.of("/var/log/pods/shop_gone_2222/istio-proxy/0.log.does-not-exist"));
        List<String> skipped = new ArrayList<>();
        var logs = LogFileSet.discover(List.of(containers, pods), Set.of("istio-proxy"), skipped);
        assertEquals(List.of("cart-7d9f8c6b5-x2x4q", "web-0"), logs.stream().map(LogFileSet.ContainerLogFiles::pod).toList());
        assertTrue(logs.stream().allMatch(l -> l.files().size() == 1), logs.toString());
        assertEquals(1, skipped.size(), skipped.toString());
        assertTrue(skipped.get(0).startsWith(broken + ": a symbolic link to a file that does not exist"), skipped.get(0));
    }

    /** {@link LogFileSet#open} tells gzip by the first bytes, not the name: replay and {@code parse} both read so. */
    @Test
    void openGunzipsByContentNotByName(@TempDir Path dir) throws IOException {
        Path gzippedLog = dir.resolve("0.log");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gzippedLog))) {
            out.write("line from gzip\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Path plainGz = dir.resolve("0.log.20261120-101500.gz");
        Files.writeString(plainGz, "plain line\n");
        Path empty = dir.resolve("1.log");
        Files.writeString(empty, "");
        Path one = dir.resolve("2.log");
        Files.writeString(one, "x");
        assertEquals("line from gzip\n", read(gzippedLog));
        assertEquals("plain line\n", read(plainGz));
        assertEquals("", read(empty));
        assertEquals("x", read(one), "a file shorter than the magic number");
    }

    private static String read(Path p) throws IOException {
        try (var in = LogFileSet.open(p)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}

package io.meshpulse.ingest.tail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a gzipped rotation by positions of its decompressed content, as the tailer does. */
class LogSourceTest {
    @TempDir
    Path dir;

    private byte[] content(int n) {
        byte[] b = new byte[n];
        Random rnd = new Random(n);
        for (int i = 0; i < n; i++) b[i] = (byte) ('a' + rnd.nextInt(26));
        return b;
    }

    private Path gzip(byte[] content) throws IOException {
        Path p = dir.resolve("0.log.20261120-100000.gz");
        try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
            out.write(content);
        }
        return p;
    }

    private static byte[] read(LogSource s, long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        while (b.hasRemaining() && s.read(b, pos + b.position()) > 0) { /* fill */ }
        return Arrays.copyOf(b.array(), b.position());
    }

    @Test
    void positionsAreThoseOfTheDecompressedContent() throws IOException {
        byte[] content = content(300_000);
        LogSource s = LogSource.gzipped(FileChannel.open(gzip(content), StandardOpenOption.READ));
        assertTrue(s.compressed());
        assertEquals(300_000, s.size(), "the gzip trailer's length before the end is reached");
        assertArrayEquals(Arrays.copyOfRange(content, 0, 1000), read(s, 0, 1000));
        assertArrayEquals(Arrays.copyOfRange(content, 1000, 5000), read(s, 1000, 4000), "reading on");
        assertArrayEquals(Arrays.copyOfRange(content, 200_000, 200_100), read(s, 200_000, 100), "skipping ahead");
        assertArrayEquals(Arrays.copyOfRange(content, 10, 20), read(s, 10, 10), "going back starts over");
        assertArrayEquals(Arrays.copyOfRange(content, 299_990, 300_000), read(s, 299_990, 64), "short at the end");
        assertEquals(-1, s.read(ByteBuffer.allocate(8), 300_000));
        assertEquals(300_000, s.size(), "exact once the end was seen");
        s.close();
    }

    @Test
    void headOfAGzippedFile() throws IOException {
        byte[] content = content(50);
        try (FileChannel ch = FileChannel.open(gzip(content), StandardOpenOption.READ)) {
            assertArrayEquals(content, LogSource.gzipHead(ch, 128), "shorter than asked: all of it");
        }
        byte[] longer = content(1000);
        try (FileChannel ch = FileChannel.open(gzip(longer), StandardOpenOption.READ)) {
            assertArrayEquals(Arrays.copyOf(longer, 128), LogSource.gzipHead(ch, 128));
        }
    }

    @Test
    void notGzipIsAnError() throws IOException {
        Path p = dir.resolve("0.log.20261120-100000.gz");
        Files.writeString(p, "2026-11-20T10:00:00Z stdout F not compressed\n");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            assertThrows(IOException.class, () -> LogSource.gzipHead(ch, 128));
        }
    }
}

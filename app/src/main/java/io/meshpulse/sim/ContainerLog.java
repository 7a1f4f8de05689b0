package io.meshpulse.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * One container's log directory as the kubelet keeps it: {@code <restart>.log}, rotated to
 * {@code <restart>.log.<YYYYMMDD-HHMMSS>} once it reaches the size limit, older rotations gzipped.
 * Lines are buffered and appended through a small cache of open channels.
 */
final class ContainerLog {

    /** Keeps at most {@code max} channels open, closing the least recently used. */
    static final class Channels implements AutoCloseable {
        private final LinkedHashMap<Path, FileChannel> open;

        Channels(int max) {
            this.open = new LinkedHashMap<>(max * 2, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Path, FileChannel> e) {
                    if (size() > max) {
                        closeQuietly(e.getValue());
                        return true;
                    }
                    return false;
                }
            };
        }

        FileChannel get(Path p) throws IOException {
            FileChannel ch = open.get(p);
            if (ch == null) {
                ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
                open.put(p, ch);
            }
            return ch;
        }

        void close(Path p) {
            FileChannel ch = open.remove(p);
            if (ch != null) closeQuietly(ch);
        }

        @Override
        public void close() {
            for (Iterator<FileChannel> it = open.values().iterator(); it.hasNext(); ) {
                closeQuietly(it.next());
                it.remove();
            }
        }

        private static void closeQuietly(FileChannel ch) {
            try {
                ch.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final int FLUSH_AT = 16 * 1024;

    private final Path dir;
    private final Channels channels;
    private final long rotateBytes;
    private final boolean gzip;
    private int restartCount;
    private Path current;
    private long size;
    private long lastWriteNanos = Long.MIN_VALUE;
    private long lastRotationSecond = Long.MIN_VALUE;
    private Path newestRotated;
    private byte[] buf = new byte[0];
    private int len;
    private long lines;
    private final List<String> rotatedNames = new ArrayList<>();

    ContainerLog(Path dir, Channels channels, long rotateBytes, boolean gzip) {
        this.dir = dir;
        this.channels = channels;
        this.rotateBytes = rotateBytes;
        this.gzip = gzip;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.current = dir.resolve("0.log");
    }

    long lines() {
        return lines;
    }

    int restartCount() {
        return restartCount;
    }

    List<String> rotatedNames() {
        return rotatedNames;
    }

    /** Appends one physical line (must end in '\n'), UTF-8 encoded, written at {@code writeNanos}. */
    void append(long writeNanos, CharSequence line) {
        int n = line.length();
        if (buf.length == 0) buf = new byte[FLUSH_AT];
        if (n <= buf.length) {
            if (len + n > buf.length) flush();
            int start = len;
            for (int i = 0; i < n; i++) {
                char c = line.charAt(i);
                if (c >= 0x80) { // not ASCII: take the slow path
                    len = start;
                    append(writeNanos, line.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    return;
                }
                buf[start + i] = (byte) c;
            }
            checkTime(writeNanos);
            len = start + n;
            size += n;
            lines++;
            if (size >= rotateBytes) rotate(writeNanos);
            return;
        }
        append(writeNanos, line.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private void checkTime(long writeNanos) {
        if (writeNanos < lastWriteNanos) {
            throw new IllegalStateException("write time went back in " + current + ": " + writeNanos + " < "
                    + lastWriteNanos);
        }
        lastWriteNanos = writeNanos;
    }

    /** Appends one physical line (must end in '\n') written at {@code writeNanos}. */
    void append(long writeNanos, byte[] line) {
        checkTime(writeNanos);
        if (buf.length == 0) buf = new byte[FLUSH_AT];
        if (len + line.length > buf.length) flush();
        if (line.length > buf.length) {
            write(line, line.length);
        } else {
            System.arraycopy(line, 0, buf, len, line.length);
            len += line.length;
        }
        size += line.length;
        lines++;
        if (size >= rotateBytes) rotate(writeNanos);
    }

    /** The container restarted: later lines go to {@code <restart+1>.log}. */
    void restart() {
        flush();
        channels.close(current);
        restartCount++;
        current = dir.resolve(restartCount + ".log");
        size = 0;
        newestRotated = null;
        lastRotationSecond = Long.MIN_VALUE;
    }

    private void rotate(long writeNanos) {
        flush();
        channels.close(current);
        long sec = Math.max(Math.floorDiv(writeNanos, 1_000_000_000L), lastRotationSecond + 1);
        lastRotationSecond = sec;
        String name = current.getFileName() + "." + LineFormat.rotationSuffix(sec);
        Path rotated = dir.resolve(name);
        try {
            Files.move(current, rotated, StandardCopyOption.ATOMIC_MOVE);
            if (gzip && newestRotated != null) compress(newestRotated);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        rotatedNames.add(name);
        newestRotated = rotated;
        size = 0;
    }

    private static void compress(Path p) throws IOException {
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
        try (InputStream in = Files.newInputStream(p);
             OutputStream out = new GZIPOutputStream(Files.newOutputStream(tmp), 64 * 1024)) {
            in.transferTo(out);
        }
        Files.move(tmp, p.resolveSibling(p.getFileName() + ".gz"), StandardCopyOption.ATOMIC_MOVE);
        Files.delete(p);
    }

    void flush() {
        if (len == 0) return;
        write(buf, len);
        len = 0;
    }

    private void write(byte[] bytes, int n) {
        try {
            FileChannel ch = channels.get(current);
            ByteBuffer bb = ByteBuffer.wrap(bytes, 0, n);
            while (bb.hasRemaining()) ch.write(bb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void close() {
        flush();
        channels.close(current);
        buf = new byte[0];
        if (!Files.exists(current)) {
            try {
                Files.createFile(current); // a running container always has its current log file
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

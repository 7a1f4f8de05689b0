package io.meshpulse.ingest.tail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** A container's kubelet log folder in a test: CRI lines appended, rotated the way the kubelet does it. */
final class KubeletDir {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    final Path dir;
    private static final Pattern UNCOMPRESSED = Pattern.compile("\\d+\\.log\\.\\d{8}-\\d{6}");
    private Instant clock = Instant.parse("2026-11-20T10:00:00Z");
    private long rotations;

    KubeletDir(Path podsRoot, String namespace, String pod, String container) {
        this.dir = podsRoot.resolve(namespace + "_" + pod + "_0000-uid").resolve(container);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stamps the following lines from {@code t} on. */
    KubeletDir clockAt(Instant t) {
        clock = t;
        return this;
    }

    Path live() {
        return dir.resolve("0.log");
    }

    String cri(String tag, String content) {
        clock = clock.plusMillis(1);
        return clock + " stdout " + tag + " " + content + "\n";
    }

    /** A whole line, as one CRI F record. */
    KubeletDir line(String content) {
        return raw(cri("F", content));
    }

    /** A line split into P chunks and a final F chunk. */
    KubeletDir split(String content, int pieces) {
        int step = Math.max(1, content.length() / pieces);
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (; i + step < content.length(); i += step) sb.append(cri("P", content.substring(i, i + step)));
        sb.append(cri("F", content.substring(i)));
        return raw(sb.toString());
    }

    /** A CRI chunk whose content is {@code content[from, to)} as bytes: the runtime's split may cut a character. */
    KubeletDir chunk(String tag, byte[] content, int from, int to) {
        byte[] head = cri(tag, "").getBytes(StandardCharsets.UTF_8);
        byte[] line = java.util.Arrays.copyOf(head, head.length + to - from); // head ends in its newline
        System.arraycopy(content, from, line, head.length - 1, to - from);
        line[line.length - 1] = '\n';
        return raw(line);
    }

    KubeletDir raw(String text) {
        return raw(text.getBytes(StandardCharsets.UTF_8));
    }

    KubeletDir raw(byte[] bytes) {
        try {
            Files.write(live(), bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Kubelet rotation: the live file is renamed with a time stamp; the next write creates a new live file. */
    Path rotate() {
        try {
            Path to = dir.resolve("0.log." + STAMP.format(Instant.parse("2026-11-20T10:00:00Z").plusSeconds(++rotations)));
            Files.move(live(), to);
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Kubelet rotation as it happens in a cluster: the rotated files not yet compressed are gzipped first, then the
     * live file is renamed.
     */
    Path rotateCompressing() {
        for (Path p : uncompressed()) compress(p, true);
        return rotate();
    }

    /** The gzipped rotations, oldest first. */
    List<Path> compressed() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".gz")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The rotated files not yet compressed. */
    List<Path> uncompressed() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> UNCOMPRESSED.matcher(p.getFileName().toString()).matches()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The kubelet's compression as a directory listing taken between its last two steps sees it: the copy written, the
     * original removed, and the copy not yet at its name (here under a name no listing takes, until
     * {@link OutOfSight#show()}).
     */
    OutOfSight compressOutOfSight(Path rotated) {
        Path gz = compress(rotated, true);
        Path hidden = gz.resolveSibling(gz.getFileName() + ".renaming");
        move(gz, hidden);
        return new OutOfSight(hidden, gz);
    }

    /** A gzipped copy kept out of sight by {@link #compressOutOfSight}. */
    record OutOfSight(Path hidden, Path gz) {
        /** Renames the copy into place. */
        Path show() {
            move(hidden, gz);
            return gz;
        }
    }

    /**
     * As {@link #compressOutOfSight}, and the file system gives the removed original's inode to the next file created,
     * at {@code next} (which must not exist yet): here the original itself, emptied and renamed there, so that the new
     * file has the old one's inode and other content.
     */
    OutOfSight compressOutOfSightGivingInodeTo(Path rotated, Path next) {
        Path gz = compress(rotated, false);
        Path hidden = gz.resolveSibling(gz.getFileName() + ".renaming");
        move(gz, hidden);
        try {
            Files.newOutputStream(rotated, StandardOpenOption.TRUNCATE_EXISTING).close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        move(rotated, next);
        return new OutOfSight(hidden, gz);
    }

    /**
     * The kubelet removing an old gzipped rotation beyond its file limit and then compressing {@code rotated}, with the
     * file system giving the removed file's inode to the new copy: here {@code oldGz} itself, rewritten with the
     * copy's content and renamed to {@code <rotated>.gz}; then {@code rotated} is removed.
     */
    Path compressIntoInodeOf(Path rotated, Path oldGz) {
        try {
            try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(oldGz,
                    StandardOpenOption.TRUNCATE_EXISTING))) {
                Files.copy(rotated, out);
            }
            Path gz = rotated.resolveSibling(rotated.getFileName() + ".gz");
            move(oldGz, gz);
            Files.delete(rotated);
            return gz;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The kubelet's compression of a rotated file: gzip into {@code <name>.tmp}, rename that to {@code <name>.gz},
     * then remove the original (unless {@code removeOriginal} is false: the instant both exist).
     */
    Path compress(Path rotated, boolean removeOriginal) {
        try {
            Path tmp = rotated.resolveSibling(rotated.getFileName() + ".tmp");
            try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(tmp))) {
                Files.copy(rotated, out);
            }
            Path gz = rotated.resolveSibling(rotated.getFileName() + ".gz");
            Files.move(tmp, gz);
            if (removeOriginal) Files.delete(rotated);
            return gz;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

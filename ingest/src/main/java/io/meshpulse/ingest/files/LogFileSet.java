package io.meshpulse.ingest.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The container logs under a set of paths, each as its files in the order they were written: for every restart
 * count, the rotated files oldest first, then the live file. Symlinks ({@code /var/log/containers}) are resolved,
 * so a file reached both ways is read once, and so is a rotation present both plain and gzipped.
 */
public final class LogFileSet {
    /** One container's log: its files in write order. */
    public record ContainerLogFiles(String namespace, String pod, String container, List<Path> files) {}

    private LogFileSet() {}

    /**
     * @param containers only these container names (e.g. istio-proxy); empty means every container
     * @param skipped    receives the files that were passed over, with why
     */
    public static List<ContainerLogFiles> discover(List<Path> inputs, Set<String> containers, List<String> skipped) {
        Map<String, List<Entry>> byContainer = new LinkedHashMap<>();
        Set<Path> seen = new HashSet<>();
        for (Path input : inputs) {
            if (!Files.exists(input)) {
                skipped.add(input + ": no such file or directory");
                continue;
            }
            List<Path> files = new ArrayList<>();
            if (Files.isDirectory(input)) {
                try (Stream<Path> walk = Files.walk(input, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
                    walk.sorted().forEach(p -> {
                        if (Files.isRegularFile(p)) {
                            files.add(p);
                        } else if (Files.isSymbolicLink(p) && !Files.exists(p)) {
                            skipped.add(p + ": a symbolic link to a file that does not exist (" + target(p)
                                    + "; a copy of /var/log/containers without the /var/log/pods it points into?)");
                        }
                    });
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + input, e);
                }
            } else {
                files.add(input);
            }
            for (Path f : files) {
                Path real;
                try {
                    real = f.toRealPath();
                } catch (IOException e) {
                    skipped.add(f + ": " + e.getMessage());
                    continue;
                }
                KubeletPath kp = KubeletPath.of(real);
                if (kp == null) kp = KubeletPath.of(f);
                if (kp == null) {
                    if (Files.isDirectory(input)) {
                        skipped.add(f + ": not a kubelet container log file name");
                        continue;
                    }
                    // A file named on the command line in no kubelet layout: one log of unknown pod.
                    String stem = f.getFileName().toString().replaceAll("\\.log$", "");
                    kp = new KubeletPath(null, stem, null, 0, null, f.toString().endsWith(".gz"));
                }
                if (!containers.isEmpty() && kp.container() != null && !containers.contains(kp.container())) continue;
                if (f.toString().endsWith(".tmp")) continue;
                if (!seen.add(real)) continue;
                byContainer.computeIfAbsent(kp.identity(), k -> new ArrayList<>()).add(new Entry(real, kp));
            }
        }
        List<ContainerLogFiles> out = new ArrayList<>();
        for (List<Entry> entries : byContainer.values()) {
            // Caught in the middle of the kubelet compressing a rotation, a folder holds it twice: 0.log.<stamp> and
            // its finished copy 0.log.<stamp>.gz (the original is removed right after). Read it once.
            Set<Path> paths = new HashSet<>();
            for (Entry e : entries) paths.add(e.path);
            entries.removeIf(e -> {
                String name = e.path.getFileName().toString();
                if (!name.endsWith(".gz")) return false;
                Path plain = e.path.resolveSibling(name.substring(0, name.length() - 3));
                if (!paths.contains(plain)) return false;
                skipped.add(e.path + ": a compressed copy of " + plain.getFileName() + ", which is read instead");
                return true;
            });
            entries.sort(Comparator.comparingInt((Entry e) -> e.kp.restart())
                    .thenComparing(e -> e.kp.rotatedAt() == null ? "99999999-999999" : e.kp.rotatedAt()));
            KubeletPath first = entries.get(0).kp;
            out.add(new ContainerLogFiles(first.namespace(), first.pod(), first.container(),
                    entries.stream().map(e -> e.path).toList()));
        }
        return out;
    }

    private static String target(Path link) {
        try {
            return String.valueOf(Files.readSymbolicLink(link));
        } catch (IOException e) {
            return "unreadable target";
        }
    }

    /**
     * A log file's content, gunzipped when its first bytes say it is gzip (whatever its name: a copy of a node's
     * files can be named either way). The caller closes it; nothing is left open when this throws.
     */
    public static InputStream open(Path file) throws IOException {
        PushbackInputStream in = new PushbackInputStream(Files.newInputStream(file), 2);
        try {
            byte[] magic = new byte[2];
            int n = in.readNBytes(magic, 0, 2);
            in.unread(magic, 0, n);
            return n == 2 && magic[0] == (byte) 0x1f && magic[1] == (byte) 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private record Entry(Path path, KubeletPath kp) {}
}

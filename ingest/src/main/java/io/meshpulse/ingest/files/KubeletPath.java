package io.meshpulse.ingest.files;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who wrote a kubelet container log file, read off its path:
 * {@code /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log[.<YYYYMMDD-HHMMSS>][.gz]} or the
 * symlink {@code /var/log/containers/<pod>_<namespace>_<container>-<container id>.log}.
 *
 * @param restart   the container's restart count (the file's N), 0 when unknown
 * @param rotatedAt the rotation stamp {@code YYYYMMDD-HHMMSS} of a rotated file, null for the live file
 */
public record KubeletPath(String namespace, String pod, String container, int restart, String rotatedAt, boolean gzip) {
    private static final Pattern POD_FILE = Pattern.compile("(\\d+)\\.log(?:\\.(\\d{8}-\\d{6}))?(\\.gz)?");
    private static final Pattern CONTAINER_LINK = Pattern.compile("(.+?)_([^_]+)_(.+)-([0-9a-f]{64})\\.log");

    /** Parses a path; null when it follows neither kubelet layout. */
    public static KubeletPath of(Path path) {
        String name = path.getFileName().toString();
        Matcher m = CONTAINER_LINK.matcher(name);
        if (m.matches()) return new KubeletPath(m.group(2), m.group(1), m.group(3), 0, null, false);
        m = POD_FILE.matcher(name);
        if (!m.matches()) return null;
        Path containerDir = path.getParent();
        Path podDir = containerDir == null ? null : containerDir.getParent();
        if (podDir == null || podDir.getFileName() == null) return null;
        String[] parts = podDir.getFileName().toString().split("_");
        if (parts.length != 3) return null;
        return new KubeletPath(parts[0], parts[1], containerDir.getFileName().toString(), Integer.parseInt(m.group(1)),
                m.group(2), m.group(3) != null);
    }

    /** The container's identity: files with the same identity are one log, read in order. */
    public String identity() {
        return namespace + "/" + pod + "/" + container;
    }
}

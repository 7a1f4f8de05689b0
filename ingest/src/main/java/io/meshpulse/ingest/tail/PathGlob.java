package io.meshpulse.ingest.tail;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * One {@code --path}: a glob such as {@code /var/log/pods/*}{@code /istio-proxy/*.log}, or a folder (every file
 * named {@code *.log} below it, at any depth). Expanded by walking from the glob's fixed leading folders, so only
 * that part of the tree is visited. Folders that vanish or cannot be read during the walk are passed over: pods
 * come and go while we look.
 */
final class PathGlob {
    private final Path base;
    private final PathMatcher matcher; // null: every *.log below base
    private final int depth;

    private PathGlob(Path base, PathMatcher matcher, int depth) {
        this.base = base;
        this.matcher = matcher;
        this.depth = depth;
    }

    static PathGlob of(String pattern) {
        Path p = Paths.get(pattern).toAbsolutePath().normalize();
        String s = p.toString();
        if (!hasGlob(s)) {
            return Files.isDirectory(p) ? new PathGlob(p, null, Integer.MAX_VALUE) : new PathGlob(p, null, 0);
        }
        Path base = p.getRoot();
        int i = 0;
        for (; i < p.getNameCount(); i++) {
            if (hasGlob(p.getName(i).toString())) break;
            base = base.resolve(p.getName(i).toString());
        }
        int depth = s.contains("**") ? Integer.MAX_VALUE : p.getNameCount() - i;
        return new PathGlob(base, FileSystems.getDefault().getPathMatcher("glob:" + s), depth);
    }

    private static boolean hasGlob(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '{') return true;
        }
        return false;
    }

    /** Hands every matching live log file (regular file or symlink to one) to {@code out}. */
    void expand(Consumer<Path> out) {
        if (depth == 0) {
            if (Files.isRegularFile(base)) out.accept(base);
            return;
        }
        if (!Files.isDirectory(base)) return;
        try {
            Files.walkFileTree(base, EnumSet.noneOf(java.nio.file.FileVisitOption.class), depth,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (attrs.isDirectory()) return FileVisitResult.CONTINUE;
                            boolean match = matcher == null ? file.getFileName().toString().endsWith(".log")
                                    : matcher.matches(file);
                            if (match) out.accept(file);
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            // the visitor swallows per-entry failures; a failure here means the base itself vanished
        }
    }

    static List<PathGlob> all(List<String> patterns) {
        return patterns.stream().map(PathGlob::of).toList();
    }

    @Override
    public String toString() {
        return matcher == null ? base.toString() : base + " (glob)";
    }
}

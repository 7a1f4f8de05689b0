package io.meshpulse.sim;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** Test helpers that read the generated files back with plain string handling (no meshpulse parser). */
final class SimFiles {

    private SimFiles() {}

    static Path podsRoot(Path out) {
        return out.resolve("var/log/pods");
    }

    /** Every file under {@code <pod>/istio-proxy/}, sorted. */
    static List<Path> proxyFiles(Path out) {
        return filesOf(out, "istio-proxy");
    }

    static List<Path> filesOf(Path out, String container) {
        try (Stream<Path> s = Files.walk(podsRoot(out))) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.getParent().getFileName().toString().equals(container))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> allFiles(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> lines(Path file) {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
             BufferedReader r = new BufferedReader(new InputStreamReader(in, UTF_8))) {
            List<String> out = new ArrayList<>();
            for (String l; (l = r.readLine()) != null; ) out.add(l);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The content after {@code <ts> <stream> <tag> }. */
    static String content(String criLine) {
        int a = criLine.indexOf(' ');
        int b = criLine.indexOf(' ', a + 1);
        int c = criLine.indexOf(' ', b + 1);
        return criLine.substring(c + 1);
    }

    static Instant writeTime(String criLine) {
        return Instant.parse(criLine.substring(0, criLine.indexOf(' ')));
    }

    static boolean isAccessLog(String content) {
        return (content.startsWith("[") && content.length() > 1 && Character.isDigit(content.charAt(1)))
                || content.startsWith("{");
    }

    /** START_TIME of an access-log content (TEXT {@code [..]} or JSON {@code "start_time":"..."}). */
    static Instant startTime(String content) {
        if (content.startsWith("[")) return Instant.parse(content.substring(1, content.indexOf(']')));
        int i = content.indexOf("\"start_time\":\"") + 14;
        return Instant.parse(content.substring(i, content.indexOf('"', i)));
    }

    /** Quote-aware tokens of a TEXT line: {@code [..]} and {@code ".."} are one token each. */
    static List<String> tokens(String content) {
        List<String> t = new ArrayList<>();
        int i = 0;
        int n = content.length();
        while (i < n) {
            char c = content.charAt(i);
            if (c == ' ') {
                i++;
                continue;
            }
            int end;
            if (c == '[') end = content.indexOf(']', i) + 1;
            else if (c == '"') end = content.indexOf('"', i + 1) + 1;
            else {
                end = content.indexOf(' ', i);
                if (end < 0) end = n;
            }
            t.add(content.substring(i, end));
            i = end;
        }
        return t;
    }
}

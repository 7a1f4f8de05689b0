package io.meshpulse.sim;

import io.meshpulse.ingest.files.LogFileSet;
import io.meshpulse.model.Rfc3339;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A drill played live: the lines a simulation wrote, appended to a node's log folder as their time comes, with their
 * times moved to today. A running meshpulse that follows the folder ({@code run --tail-path}, {@code ingest tail})
 * sees the incident happen now, so the whole path to a page (tailer, topology, alerts stage, Alertmanager or webhook)
 * can be tried end to end.
 *
 * <p>Every time in a line moves by the same whole number of seconds: the CRI envelope's write time, the access
 * log's start time, istio-agent's and Envoy's own stamps. The shift is a whole number of 10 s (the default window)
 * so that the incident begins at the same second of its window as in the batch drill, whose detection delay
 * BENCHMARKS.md lists; the first lines are therefore due up to 10 s after the start. A line is written once the
 * clock reaches its (moved) write time, to the file the kubelet would have it in: rotations are not repeated, so a
 * container's lines all go to its {@code <restart>.log}.
 */
public final class LiveDrill {
    /** The step the shift is a multiple of: the default window, so a line keeps its place within its window. */
    static final long ALIGN_MS = 10_000;

    /** A date and time of day as the proxy's logs print them: RFC 3339 (T) or Envoy's own {@code [date time.ms]}. */
    private static final Pattern STAMP = Pattern.compile("(\\d{4}-\\d\\d-\\d\\d)([T ])(\\d\\d:\\d\\d:\\d\\d)");
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");

    /** The clock the lines are written by; tests drive their own. */
    public interface Clock {
        long nowMillis();

        /** Returns at {@code millis} or soon after. */
        void sleepUntil(long millis) throws InterruptedException;

        Clock SYSTEM = new Clock() {
            @Override
            public long nowMillis() {
                return System.currentTimeMillis();
            }

            @Override
            public void sleepUntil(long millis) throws InterruptedException {
                long wait = millis - System.currentTimeMillis();
                if (wait > 0) Thread.sleep(wait); // pacing a writer to the wall clock, not waiting on a condition
            }
        };
    }

    /**
     * One line to write: when (moved), where (relative to the node's root, the output folder: {@code var/log/pods/...}),
     * what (with its newline).
     */
    public record Line(long dueMillis, String file, byte[] bytes) {}

    /**
     * What is played: the lines in the order they are written, the shift, and the moved times of the run's start,
     * end and its incidents' first affected requests.
     */
    public record Plan(List<Line> lines, long shiftMillis, Instant start, Instant end, List<Instant> incidents) {}

    private LiveDrill() {}

    /**
     * Generates {@code scenario} aside (a temporary folder, removed before this returns) and plans its lines for a
     * start at {@code nowMillis} or a little after.
     *
     * @throws MeshSimulator.OutputHoldsLogs when {@code out} already holds a node's logs: lines would be added to them
     */
    public static Plan prepare(Scenario scenario, long seed, Path out, long nowMillis) throws IOException {
        if (MeshSimulator.holdsLogs(out)) throw new MeshSimulator.OutputHoldsLogs(out);
        Path aside = Files.createTempDirectory("meshpulse-drill-");
        try {
            return plan(aside, scenario.generate(aside, seed).truth(), nowMillis);
        } finally {
            io.meshpulse.app.replay.Replay.deleteRecursively(aside);
        }
    }

    /** The shift that takes {@code start} to at least {@code nowMillis}, in whole steps of {@link #ALIGN_MS}. */
    static long shiftFor(Instant start, long nowMillis) {
        long gap = nowMillis - start.toEpochMilli();
        return gap <= 0 ? 0 : Math.floorDiv(gap + ALIGN_MS - 1, ALIGN_MS) * ALIGN_MS;
    }

    /**
     * Reads every container log under {@code generated/var/log/pods} (rotations and gzipped copies, in the order
     * they were written) and plans its lines for a start at {@code nowMillis} or a little after.
     */
    public static Plan plan(Path generated, SimResult.Truth truth, long nowMillis) throws IOException {
        Instant start = Instant.parse(truth.start());
        long shift = shiftFor(start, nowMillis);
        Path pods = generated.resolve("var/log/pods");
        List<String> skipped = new ArrayList<>();
        List<Line> lines = new ArrayList<>();
        for (LogFileSet.ContainerLogFiles c : LogFileSet.discover(List.of(pods), java.util.Set.of(), skipped)) {
            long due = Long.MIN_VALUE;
            for (Path f : c.files()) {
                String live = liveName(generated.relativize(f));
                try (BufferedReader r = new BufferedReader(new InputStreamReader(LogFileSet.open(f),
                        StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        int sp = l.indexOf(' ');
                        long t = sp < 0 ? Rfc3339.INVALID : Rfc3339.parseMillis(l, 0, sp);
                        // a line without a write time of its own is written with the one before it
                        if (t != Rfc3339.INVALID) due = Math.max(due, t + shift);
                        lines.add(new Line(due, live, (shifted(l, shift) + "\n").getBytes(StandardCharsets.UTF_8)));
                    }
                }
            }
        }
        if (!skipped.isEmpty()) throw new IOException("unexpected files in the generated drill: " + skipped);
        // stable: a container's lines stay in their order (its write times never decrease)
        lines.sort(Comparator.comparingLong(Line::dueMillis));
        List<Instant> incidents = new ArrayList<>();
        for (SimResult.IncidentTruth i : truth.incidents()) {
            String first = i.firstAffected() != null ? i.firstAffected() : i.start();
            incidents.add(Instant.parse(first).plusMillis(shift));
        }
        return new Plan(lines, shift, start.plusMillis(shift), Instant.parse(truth.end()).plusMillis(shift),
                incidents);
    }

    /** {@code .../ns_pod_uid/container/0.log.20261120-100140.gz} → {@code .../ns_pod_uid/container/0.log}. */
    static String liveName(Path relative) {
        String name = relative.getFileName().toString();
        int log = name.indexOf(".log");
        String base = log < 0 ? name : name.substring(0, log + 4);
        Path parent = relative.getParent();
        return (parent == null ? base : parent.resolve(base).toString());
    }

    /** {@code line} with every date and time of day in it moved by {@code shiftMillis} (whole seconds). */
    static String shifted(String line, long shiftMillis) {
        if (shiftMillis == 0) return line;
        long seconds = shiftMillis / 1000;
        Matcher m = STAMP.matcher(line);
        StringBuilder out = null;
        int last = 0;
        while (m.find()) {
            LocalDateTime t;
            try {
                t = LocalDateTime.parse(m.group(1) + "T" + m.group(3), DATE_TIME);
            } catch (java.time.format.DateTimeParseException e) {
                continue; // digits that only look like a time
            }
            String moved = DATE_TIME.format(t.plusSeconds(seconds));
            if (out == null) out = new StringBuilder(line.length());
            out.append(line, last, m.start()).append(moved, 0, 10).append(m.group(2)).append(moved, 11, 19);
            last = m.end();
        }
        if (out == null) return line;
        return out.append(line, last, line.length()).toString();
    }

    /** Told as the drill goes. */
    public interface Progress {
        /** {@code written} lines are out, the newest due at {@code dueMillis}. */
        void wrote(long written, long dueMillis);
    }

    /**
     * Writes {@code plan}'s lines under {@code out} as {@code clock} reaches their times, flushing each batch of
     * lines that came due together, so that a tailer sees them at once. Returns the lines written.
     */
    public static long play(Plan plan, Path out, Clock clock, Progress progress) throws IOException, InterruptedException {
        Map<String, OutputStream> files = new HashMap<>();
        long written = 0;
        try {
            List<Line> lines = plan.lines();
            int i = 0;
            while (i < lines.size()) {
                long due = lines.get(i).dueMillis();
                if (clock.nowMillis() < due) clock.sleepUntil(due);
                long now = clock.nowMillis();
                java.util.Set<OutputStream> touched = new LinkedHashSet<>();
                while (i < lines.size() && lines.get(i).dueMillis() <= Math.max(now, due)) {
                    Line l = lines.get(i++);
                    OutputStream o = files.get(l.file());
                    if (o == null) {
                        Path p = out.resolve(l.file());
                        Files.createDirectories(p.getParent());
                        o = new BufferedOutputStream(Files.newOutputStream(p, StandardOpenOption.CREATE,
                                StandardOpenOption.APPEND), 1 << 16);
                        files.put(l.file(), o);
                    }
                    o.write(l.bytes());
                    touched.add(o);
                    written++;
                }
                for (OutputStream o : touched) o.flush();
                progress.wrote(written, due);
            }
        } finally {
            IOException first = null;
            for (OutputStream o : files.values()) {
                try {
                    o.close();
                } catch (IOException e) {
                    if (first == null) first = e;
                }
            }
            if (first != null) throw first;
        }
        return written;
    }

    /**
     * How long the drill lasts, from its start to the last line due (the application containers' lines from before
     * the start are written at once).
     */
    public static Duration length(Plan plan) {
        if (plan.lines().isEmpty()) return Duration.ZERO;
        long last = plan.lines().get(plan.lines().size() - 1).dueMillis();
        return Duration.ofMillis(Math.max(0, last - plan.start().toEpochMilli()));
    }
}

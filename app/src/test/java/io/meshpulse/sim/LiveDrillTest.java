package io.meshpulse.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.topology.parse.AccessLogParser;
import io.meshpulse.topology.parse.ParseResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiveDrillTest {
    @TempDir
    Path tmp;

    @Test
    void everyDateAndTimeInALineMovesByTheShiftAndNothingElseChanges() {
        long shift = 3 * 86_400_000L + 10_000; // three days and ten seconds
        assertEquals("2026-11-23T10:00:10.252916928Z stdout F [2026-11-23T10:00:10.246Z] \"GET /a HTTP/1.1\" 200 - "
                        + "via_upstream - \"-\" 0 5 1 1",
                LiveDrill.shifted("2026-11-20T10:00:00.252916928Z stdout F [2026-11-20T10:00:00.246Z] \"GET /a "
                        + "HTTP/1.1\" 200 - via_upstream - \"-\" 0 5 1 1", shift));
        // a CRI time with an offset, istio-agent's stamp, Envoy's own [date time.ms]; midnight and a month end
        assertEquals("2026-12-04T00:00:05+00:00 stderr F 2026-12-04T00:00:05.100Z\twarning\tenvoy main [2026-12-04 "
                        + "00:00:05.123][15][warning] x",
                LiveDrill.shifted("2026-11-30T23:59:55+00:00 stderr F 2026-11-30T23:59:55.100Z\twarning\tenvoy main "
                        + "[2026-11-30 23:59:55.123][15][warning] x", shift));
        // a JSON line's start_time, and digits that only look like a time are left as they are
        assertEquals("{\"start_time\":\"2026-11-23T10:00:10.000Z\",\"path\":\"/d/2026-13-40T99:99:99\"}",
                LiveDrill.shifted("{\"start_time\":\"2026-11-20T10:00:00.000Z\",\"path\":\"/d/2026-13-40T99:99:99\"}",
                        shift));
        assertEquals("no time here", LiveDrill.shifted("no time here", shift));
    }

    @Test
    void theShiftIsWholeWindowsAndReachesNow() {
        Instant start = Instant.parse("2026-11-20T10:00:00Z");
        long now = Instant.parse("2026-11-24T20:27:13.500Z").toEpochMilli();
        long shift = LiveDrill.shiftFor(start, now);
        assertEquals(0, shift % LiveDrill.ALIGN_MS);
        long movedStart = start.toEpochMilli() + shift;
        assertTrue(movedStart >= now && movedStart < now + LiveDrill.ALIGN_MS, "moved start " + movedStart);
        assertEquals(0, LiveDrill.shiftFor(start, start.toEpochMilli()));
        assertEquals(0, LiveDrill.shiftFor(start, start.toEpochMilli() - 5_000)); // a start in the future stays
    }

    @Test
    void aRotationsLinesGoToTheFileTheKubeletWroteThemTo() {
        assertEquals(Path.of("ns_p_u/istio-proxy/0.log").toString(),
                LiveDrill.liveName(Path.of("ns_p_u/istio-proxy/0.log.20261120-100140.gz")));
        assertEquals(Path.of("ns_p_u/istio-proxy/1.log").toString(),
                LiveDrill.liveName(Path.of("ns_p_u/istio-proxy/1.log.20261120-100140")));
        assertEquals(Path.of("ns_p_u/app/0.log").toString(), LiveDrill.liveName(Path.of("ns_p_u/app/0.log")));
    }

    /** A clock that moves only when the drill waits: the whole drill plays at once. */
    private static final class StepClock implements LiveDrill.Clock {
        long now;

        StepClock(long now) {
            this.now = now;
        }

        @Override
        public long nowMillis() {
            return now;
        }

        @Override
        public void sleepUntil(long millis) {
            now = Math.max(now, millis);
        }
    }

    @Test
    void aDrillPlayedLiveWritesEveryLineOnceInOrderWhenItsTimeComesAndParsesAlike() throws Exception {
        Scenario scenario = Scenario.named("uc-client-tls-disable");
        Path generated = tmp.resolve("generated");
        // small rotations, some gzipped, so that a container's lines come from several files
        SimResult r = MeshSimulator.generate(MeshSpec.aksShop(), scenario.config(7).withRotation(200_000, true),
                generated);
        long now = Instant.parse("2026-11-24T20:27:13.500Z").toEpochMilli();
        LiveDrill.Plan plan = LiveDrill.plan(generated, r.truth(), now);
        long shift = plan.shiftMillis();
        assertEquals(Instant.parse(r.truth().start()).plusMillis(shift), plan.start());

        // What each live file must hold in the end: its container's files, in the kubelet's order, times moved.
        Path pods = generated.resolve("var/log/pods");
        Map<String, List<String>> original = new LinkedHashMap<>(); // by path under var/log/pods
        for (Path f : SimFiles.allFiles(pods)) {
            original.computeIfAbsent(LiveDrill.liveName(pods.relativize(f)), k -> written(pods.resolve(k)));
        }
        Path livePods = tmp.resolve("live").resolve("var/log/pods");
        Map<String, List<String>> ordered = new LinkedHashMap<>();
        original.forEach((k, v) -> ordered.put(k, v.stream().map(l -> LiveDrill.shifted(l, shift)).toList()));
        assertTrue(ordered.keySet().stream().anyMatch(k -> k.contains("istio-proxy")));
        assertTrue(SimFiles.allFiles(generated).stream().anyMatch(p -> p.toString().endsWith(".gz")),
                "the drill has gzipped rotations, so the test covers them");

        Path out = tmp.resolve("live");
        StepClock clock = new StepClock(now);
        Path watched = livePods.resolve(ordered.keySet().stream().filter(k -> k.contains("istio-proxy")).findFirst()
                .orElseThrow());
        String watchedName = out.relativize(watched).toString();
        int[] calls = {0};
        long written = LiveDrill.play(plan, out, clock, (n, due) -> {
            assertTrue(due <= clock.now, "a line was written before its time");
            if (calls[0]++ % 200 != 0) return;
            // no line of the watched file is there before its time, and every line due by now is
            long dueNow = plan.lines().stream().filter(l -> l.file().equals(watchedName) && l.dueMillis() <= clock.now)
                    .count();
            long there = Files.exists(watched) ? SimFiles.lines(watched).size() : 0;
            assertEquals(dueNow, there, "lines of " + watchedName + " at " + Instant.ofEpochMilli(clock.now));
        });
        assertTrue(calls[0] > 1000, "the drill is written in many steps, not at once: " + calls[0]);
        assertEquals(plan.lines().size(), written);
        for (Map.Entry<String, List<String>> e : ordered.entrySet()) {
            assertEquals(e.getValue(), SimFiles.lines(livePods.resolve(e.getKey())), e.getKey());
        }
        assertEquals(ordered.size(), SimFiles.allFiles(out).size(), "nothing else written: " + SimFiles.allFiles(out));

        // Parsed alike: the same classes and the same place in the window, the time moved by the shift.
        AccessLogParser parser = new AccessLogParser();
        int accessLines = 0;
        for (String live : ordered.keySet()) {
            if (!live.contains("istio-proxy")) continue;
            List<String> before = original.get(live);
            List<String> after = SimFiles.lines(livePods.resolve(live));
            for (int i = 0; i < before.size(); i++) {
                ParseResult a = parser.parse(criContent(before.get(i)));
                ParseResult b = parser.parse(criContent(after.get(i)));
                assertEquals(a instanceof ParseResult.Parsed, b instanceof ParseResult.Parsed, after.get(i));
                if (a instanceof ParseResult.Parsed pa && b instanceof ParseResult.Parsed pb) {
                    accessLines++;
                    assertEquals(pa.record().failureClass(), pb.record().failureClass());
                    assertEquals(pa.record().startTimeMillis() + shift, pb.record().startTimeMillis());
                }
            }
        }
        assertEquals(r.truth().accessLogLines(), accessLines);
        // the incident's first affected request, moved by the shift, keeps its second within a 10 s window
        Instant first = Instant.parse(r.truth().incidents().get(0).firstAffected());
        assertEquals(first.plusMillis(shift), plan.incidents().get(0));
        assertEquals(first.toEpochMilli() % 10_000, plan.incidents().get(0).toEpochMilli() % 10_000);
    }

    /** A CRI line's content: what follows its time, stream and tag. */
    private static String criContent(String line) {
        int at = 0;
        for (int i = 0; i < 3; i++) at = line.indexOf(' ', at) + 1;
        return line.substring(at);
    }

    /** What the kubelet wrote to {@code live} ({@code <restart>.log}): its rotations oldest first, then itself. */
    private static List<String> written(Path live) {
        String base = live.getFileName().toString();
        List<String> lines = new ArrayList<>();
        try (var s = Files.list(live.getParent())) {
            List<Path> files = s.filter(p -> p.getFileName().toString().startsWith(base + "."))
                    .sorted().collect(java.util.stream.Collectors.toCollection(ArrayList::new));
            if (Files.exists(live)) files.add(live);
            for (Path f : files) lines.addAll(SimFiles.lines(f));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return lines;
    }

    @Test
    void aFolderThatHoldsLogsIsRefusedBeforeAnythingIsGenerated() throws IOException {
        Path out = tmp.resolve("busy");
        Files.createDirectories(out.resolve("var/log/pods/ns_p_u/istio-proxy"));
        Files.writeString(out.resolve("var/log/pods/ns_p_u/istio-proxy/0.log"), "x\n");
        assertThrows(MeshSimulator.OutputHoldsLogs.class,
                () -> LiveDrill.prepare(Scenario.named("baseline"), 1, out, System.currentTimeMillis()));
        assertEquals(List.of("x"), SimFiles.lines(out.resolve("var/log/pods/ns_p_u/istio-proxy/0.log")));
        assertFalse(Files.exists(out.resolve("truth.json")));
    }
}

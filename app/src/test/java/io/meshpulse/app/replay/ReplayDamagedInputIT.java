package io.meshpulse.app.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.sim.MeshSimulator;
import io.meshpulse.sim.MeshSpec;
import io.meshpulse.sim.SimConfig;
import io.meshpulse.sim.SimResult;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replay} of a node's files with the damage real nodes and copies of them have, on a real embedded broker:
 * a log whose tail is a run of NUL bytes without a newline (a crash), a line over the 1 MiB cap in 16 KiB CRI chunks,
 * a partial line whose final chunk never came, a rotation gzipped without the .gz name, and a cut gzip. Every access
 * line of the generator's truth is still counted in its pair; the damage is in the dead letters with its own kind
 * ({@code oversize}, {@code truncated}) or, for the cut gzip, in the summary's {@code fileErrors}. Before, the cut
 * gzip ended the replay with an exception, and the oversized and truncated lines went to the parser and came back
 * as {@code rejected} ("truncated access log: 1 fields").
 */
class ReplayDamagedInputIT {
    private static final JsonCodec<DeadLetter> DEAD = new JsonCodec<>(DeadLetter.class);

    @Test
    void damagedFilesAreDeadLettersOrFileErrorsAndEveryAccessLineStillCounts(@TempDir Path dir) throws Exception {
        Instant start = Instant.parse("2026-11-20T10:00:00Z");
        SimConfig d = SimConfig.defaults(11, start, Duration.ofMinutes(2));
        SimConfig config = new SimConfig(d.seed(), d.start(), d.duration(), d.rateMultiplier(), List.of(),
                64 * 1024, true, 0.01, d.maxLateness(), true, d.noisePerPodPerMinute(), false);
        Path logs = dir.resolve("logs");
        SimResult sim = MeshSimulator.generate(MeshSpec.aksShop(), config, logs);
        List<Path> live;
        List<Path> gzipped;
        try (Stream<Path> files = Files.walk(logs)) {
            List<Path> all = files.filter(p -> p.toString().contains("/istio-proxy/")).sorted().toList();
            live = all.stream().filter(p -> p.getFileName().toString().equals("0.log")).toList();
            gzipped = all.stream().filter(p -> p.getFileName().toString().endsWith(".gz")).toList();
        }
        assertTrue(live.size() >= 3 && !gzipped.isEmpty(), "live and gzipped files: " + live + gzipped);

        // a crash left 3 MiB of NUL bytes at the end of one live file
        try (OutputStream o = Files.newOutputStream(live.get(0), StandardOpenOption.APPEND)) {
            o.write(new byte[3 << 20]);
        }
        // a 1.2 MiB access line, as containerd writes it: 16 KiB chunks
        String big = "[2026-11-20T10:01:59.000Z] \"GET /" + "y".repeat(1_200_000) + " HTTP/1.1\" 200 - via_upstream";
        StringBuilder chunks = new StringBuilder();
        for (int i = 0; i < big.length(); i += 16_384) {
            chunks.append("2026-11-20T10:01:59.5Z stdout ").append(i + 16_384 < big.length() ? "P " : "F ")
                    .append(big, i, Math.min(big.length(), i + 16_384)).append('\n');
        }
        Files.writeString(live.get(1), chunks, StandardOpenOption.APPEND);
        // a partial line whose final chunk never came
        Files.writeString(live.get(2), "2026-11-20T10:01:59.6Z stdout P [2026-11-20T10:01:59.000Z] \"GET /cut\n",
                StandardOpenOption.APPEND);
        // a rotation gzipped without its .gz name (a copy renamed it): still read, as gzip
        Path gz = gzipped.get(0);
        Files.move(gz, gz.resolveSibling(gz.getFileName().toString().replace(".gz", "")));
        // a cut gzip of proxy noise, as the oldest rotation of another log
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(whole)) {
            for (int i = 0; i < 3000; i++) {
                o.write(("2026-11-20T09:59:00.0Z stderr F 2026-11-20T09:59:00.000000Z\twarning\tenvoy main\tnoise " + i
                        + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        Path cut = live.get(3).resolveSibling("0.log.20261120-095900.gz");
        Files.write(cut, Arrays.copyOf(whole.toByteArray(), whole.size() / 2));

        Replay.Summary summary = Replay.run(new Replay.Options(List.of(logs), dir.resolve("out"),
                Duration.ofSeconds(10), Duration.ofSeconds(30), null, null, 4, Set.of("istio-proxy"), false,
                Duration.ofMinutes(3), null, null));

        assertTrue(summary.complete(), "every line accounted for: " + summary.fields());
        assertEquals(SimCounts.expected(sim), SimCounts.actual(Files.readAllLines(dir.resolve("out/pair-stats.jsonl"))));
        assertEquals(sim.truth().accessLogLines(), summary.get("parsed"));

        @SuppressWarnings("unchecked")
        List<String> fileErrors = (List<String>) summary.fields().get("fileErrors");
        assertEquals(1, fileErrors.size(), fileErrors.toString());
        Matcher m = Pattern.compile(Pattern.quote(cut.toRealPath() + ": read failed after ") + "(\\d+) lines")
                .matcher(fileErrors.get(0));
        assertTrue(m.lookingAt(), fileErrors.get(0));
        long readFromCut = Long.parseLong(m.group(1));
        assertTrue(readFromCut > 0 && readFromCut < 3000, "lines read before the cut: " + readFromCut);

        List<DeadLetter> dead = Files.readAllLines(dir.resolve("out/dlq.jsonl")).stream().map(DEAD::decode).toList();
        Map<String, Long> kinds = dead.stream().collect(Collectors.groupingBy(DeadLetter::kind, TreeMap::new,
                Collectors.counting()));
        assertEquals(Map.of("oversize", 2L, "truncated", 1L, "rejected", sim.truth().otherLines() + readFromCut), kinds);
        assertEquals(3, summary.get("deadLetteredOnRead"));
        assertEquals(sim.truth().otherLines() + readFromCut + 3, summary.get("rejected"));
        assertTrue(dead.stream().filter(x -> x.kind().equals("oversize")).allMatch(x -> x.line().length() <= DeadLetter.MAX_LINE));
    }
}

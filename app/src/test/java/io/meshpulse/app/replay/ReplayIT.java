package io.meshpulse.app.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.Alert;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.sim.Incident;
import io.meshpulse.sim.MeshSimulator;
import io.meshpulse.sim.MeshSpec;
import io.meshpulse.sim.SimConfig;
import io.meshpulse.sim.SimResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replay} end to end on a real embedded Kafka broker, checked against the generator's truth: for every
 * pair, requests and per-class counts summed over windows equal what the files hold — with rotated and gzipped
 * files, lines written up to 20 s after their start time, JSON-encoded proxies, an uninjected caller and
 * proxy noise in the input.
 */
class ReplayIT {
    private static final JsonCodec<PairWindowStats> STATS = new JsonCodec<>(PairWindowStats.class);
    private static final JsonCodec<Alert> ALERT = new JsonCodec<>(Alert.class);

    /**
     * With one partition replay wires the spine as one task (the parsing task sums its own partials), with four
     * through the repartition by pair: both must count the same.
     */
    @ParameterizedTest(name = "{0} raw partition(s)")
    @ValueSource(ints = {1, 4})
    void countsEveryLineOnceInTheRightPair(int partitions, @TempDir Path dir) throws Exception {
        Instant start = Instant.parse("2026-11-20T10:00:00Z");
        SimConfig d = SimConfig.defaults(7, start, Duration.ofMinutes(3));
        Incident incident = Incident.of(Incident.Kind.MTLS_PLAINTEXT_TO_STRICT, "checkout/checkout-api", "checkout/payments-api",
                start.plusSeconds(60), Duration.ofSeconds(50), 0.5);
        // Small rotation size: every busy pod's log rotates several times, older rotations gzipped.
        // A second incident in the last 25 s: its windows close only at the end of input (the grace is 30 s), so
        // its alert is decided while the replay ends, and is in alerts.jsonl only if the replay waited for it.
        Incident atTheEnd = Incident.of(Incident.Kind.UH_NO_ENDPOINTS, "web/frontend", "store/catalog",
                start.plusSeconds(155), Duration.ofSeconds(25), 0.5);
        SimConfig config = new SimConfig(d.seed(), d.start(), d.duration(), d.rateMultiplier(), List.of(incident, atTheEnd),
                64 * 1024, true, 0.01, d.maxLateness(), true, d.noisePerPodPerMinute(), true);
        SimResult sim = MeshSimulator.generate(MeshSpec.aksShop(), config, dir.resolve("logs"));
        try (Stream<Path> files = Files.walk(dir.resolve("logs"))) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().matches("\\d+\\.log\\.\\d{8}-\\d{6}(\\.gz)?")),
                    "the input has rotated files");
        }

        Replay.Summary summary = Replay.run(new Replay.Options(List.of(dir.resolve("logs")), dir.resolve("out"),
                Duration.ofSeconds(10), Duration.ofSeconds(30), null, null, partitions, Set.of("istio-proxy"), false,
                Duration.ofMinutes(3), null, null));

        assertTrue(summary.complete(), "every line accounted for: " + summary.fields());
        assertEquals(sim.truth().lines(), summary.get("linesRead"));
        assertEquals(sim.truth().accessLogLines(), summary.get("parsed"));
        assertEquals(sim.truth().otherLines(), summary.get("rejected"), "only the proxy's own lines are rejected");
        @SuppressWarnings("unchecked")
        Map<String, Long> phases = (Map<String, Long>) summary.fields().get("phasesMs");
        assertEquals(summary.get("wallTimeMs"), phases.values().stream().mapToLong(Long::longValue).sum(),
                "the phases add up to the wall time: " + phases);
        assertTrue(phases.values().stream().allMatch(v -> v >= 0), phases.toString());

        Map<String, Counts> expected = new TreeMap<>();
        for (SimResult.Pair p : sim.truth().pairs()) {
            Counts c = expected.computeIfAbsent(key(p.reporter(), p.source() == null ? null : p.source().namespace(),
                    p.source() == null ? null : p.source().workload(), p.destination().namespace(),
                    p.destination().service(), p.destination().workload()), k -> new Counts());
            c.requests += p.requests();
            p.byClass().forEach((k, v) -> c.byClass.merge(k, v, Long::sum));
        }
        Map<String, Counts> actual = new TreeMap<>();
        for (String line : Files.readAllLines(dir.resolve("out/pair-stats.jsonl"))) {
            PairWindowStats s = STATS.decode(line);
            Counts c = actual.computeIfAbsent(key(s.reporter(), s.source() == null ? null : s.source().namespace(),
                    s.source() == null ? null : s.source().workload(), s.destination().namespace(),
                    s.destination().service(), s.destination().workload()), k -> new Counts());
            c.requests += s.requests();
            s.byClass().forEach((k, v) -> c.byClass.merge(k, v, Long::sum));
        }
        assertEquals(expected, actual);

        List<Alert> alerts = Files.readAllLines(dir.resolve("out/alerts.jsonl")).stream().map(ALERT::decode).toList();
        assertEquals(summary.get("alerts"), alerts.size());
        assertTrue(alerts.stream().anyMatch(a -> "firing".equals(a.status()) && "UC".equals(a.failureClass())
                && "checkout-api".equals(a.source().workload())), "the first incident fired: " + alerts);
        assertTrue(alerts.stream().anyMatch(a -> "firing".equals(a.status()) && "UH".equals(a.failureClass())
                && "frontend".equals(a.source().workload())), "the incident of the last windows fired: " + alerts);
    }

    private static String key(String reporter, String srcNs, String srcWl, String dstNs, String dstSvc, String dstWl) {
        return reporter + " " + srcNs + "/" + srcWl + " -> " + dstNs + "/" + dstSvc + "/" + dstWl;
    }

    private static final class Counts {
        long requests;
        final Map<String, Long> byClass = new HashMap<>();

        @Override
        public boolean equals(Object o) {
            return o instanceof Counts c && c.requests == requests && c.byClass.equals(byClass);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(requests) * 31 + byClass.hashCode();
        }

        @Override
        public String toString() {
            return requests + " " + new TreeMap<>(byClass);
        }
    }

    /**
     * A replay nobody serves keeps no closed window for queries (nothing could read them); one served over HTTP
     * does, so that the API answers from them while it runs and after.
     */
    @org.junit.jupiter.api.Test
    void aServedReplayKeepsItsWindowsForTheApi(@TempDir Path dir) throws Exception {
        Instant start = Instant.parse("2026-11-20T10:00:00Z");
        MeshSimulator.generate(MeshSpec.aksShop(), SimConfig.defaults(11, start, Duration.ofMinutes(1)),
                dir.resolve("logs"));
        var serve = new io.meshpulse.app.serve.ServeHooks(io.meshpulse.app.serve.ServeOptions.local(0), false,
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        String[] pairs = new String[1];
        Replay.Hooks hooks = new Replay.Hooks() {
            @Override
            public void configure(java.util.Properties streamsConfig) {
                serve.configure(streamsConfig);
            }

            @Override
            public void onRunning(org.apache.kafka.streams.KafkaStreams streams, io.meshpulse.model.Topics topics,
                                  String bootstrapServers) {
                serve.onRunning(streams, topics, bootstrapServers);
            }

            @Override
            public boolean queriesStores() {
                return serve.queriesStores();
            }

            @Override
            public void afterComplete(Replay.Summary summary) {
                try {
                    var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create(serve.server().url() + "api/v1/pairs?sort=requests")).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
                    pairs[0] = response.statusCode() + " " + response.body();
                } catch (java.io.IOException | InterruptedException e) {
                    pairs[0] = e.toString();
                }
            }
        };
        try (serve) {
            Replay.Summary s = Replay.run(new Replay.Options(List.of(dir.resolve("logs")), dir.resolve("out"),
                    Duration.ofSeconds(10), Duration.ofSeconds(30), null, null, 1, Set.of("istio-proxy"), false,
                    Duration.ofMinutes(2), null, null), hooks);
            assertTrue(s.complete(), s.fields().toString());
        }
        assertTrue(pairs[0].startsWith("200 "), pairs[0]);
        assertTrue(pairs[0].contains("\"requests\""), "the API lists the replay's pairs: " + pairs[0]);
        assertTrue(pairs[0].contains("frontend"), pairs[0]);
    }
}

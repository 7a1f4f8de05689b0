package io.meshpulse.app.serve;

import io.meshpulse.app.kafka.StreamsRunner;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.ingest.files.LogFileSet;
import io.meshpulse.ingest.kafka.RawLineProducer;
import io.meshpulse.ingest.replay.MergedLogReader;
import io.meshpulse.model.Json;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Topics;
import io.meshpulse.sim.Incident;
import io.meshpulse.sim.MeshSimulator;
import io.meshpulse.sim.MeshSpec;
import io.meshpulse.sim.SimConfig;
import io.meshpulse.sim.SimResult;
import io.meshpulse.topology.MeshpulseTopology;
import io.meshpulse.topology.Settings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.KStream;

/**
 * Test building blocks, shared with dashboards/: a simulated AKS shop mesh with a UC incident that is still
 * going on when the input ends (so its alert is firing), and meshpulse instances (topology + a stand-in alerts stage
 * + the HTTP server) on a given broker.
 */
public final class ServeFixture {
    public static final Instant START = Instant.parse("2026-11-20T10:00:00Z");
    public static final String CALLER = "checkout/checkout-api";
    public static final String CALLEE = "checkout/payments-api";

    private ServeFixture() {}

    /** The lines of a simulated mesh, in write order, with the truth of the generator. */
    public record Scenario(List<RawLogLine> lines, SimResult sim) {}

    public static Scenario scenario(Path dir, Duration length) throws Exception {
        Incident incident = Incident.of(Incident.Kind.MTLS_PLAINTEXT_TO_STRICT, CALLER, CALLEE,
                START.plus(length.dividedBy(2)), length, 0.6);
        SimConfig config = SimConfig.defaults(11, START, length).withIncidents(List.of(incident)).withRateMultiplier(0.25);
        SimResult sim = MeshSimulator.generate(MeshSpec.aksShop(), config, dir.resolve("logs"));
        List<RawLogLine> lines = new ArrayList<>();
        try (MergedLogReader r = new MergedLogReader(
                LogFileSet.discover(List.of(dir.resolve("logs")), Set.of("istio-proxy"), new ArrayList<>()), null)) {
            for (RawLogLine l = r.next(); l != null; l = r.next()) lines.add(l);
        }
        return new Scenario(lines, sim);
    }

    /** Sends the lines, then the end-of-input marker that closes every window. */
    public static void produce(String bootstrap, Topics topics, List<RawLogLine> lines) {
        produce(bootstrap, topics, lines, true);
    }

    /** Sends the lines, and the end-of-input marker when {@code end}; windows otherwise close on event time. */
    public static void produce(String bootstrap, Topics topics, List<RawLogLine> lines, boolean end) {
        try (RawLineProducer p = new RawLineProducer(bootstrap, topics.rawAccessLog())) {
            long last = 0;
            for (RawLogLine l : lines) {
                long ts = l.ts() == null ? last : Instant.parse(l.ts()).toEpochMilli();
                last = Math.max(last, ts);
                p.send(l, ts);
            }
            if (end) p.endOfInput(last);
            else p.flush();
        }
    }

    /**
     * A tailer's heartbeat on every raw partition, as the tailer sends it: {@code instance} has no unread line written
     * before {@code upTo} (which is also the records' timestamp: the broker refuses one more than an hour ahead).
     */
    public static void heartbeat(String bootstrap, Topics topics, String instance, Instant upTo) throws Exception {
        org.apache.kafka.common.header.internals.RecordHeaders h = new org.apache.kafka.common.header.internals.RecordHeaders();
        h.add(RawLineProducer.CONTROL_HEADER,
                io.meshpulse.ingest.kafka.Heartbeats.HEARTBEAT.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        byte[] value = upTo.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (org.apache.kafka.clients.producer.KafkaProducer<String, byte[]> p =
                     new org.apache.kafka.clients.producer.KafkaProducer<>(RawLineProducer.config(bootstrap, java.util.Map.of()),
                             new org.apache.kafka.common.serialization.StringSerializer(),
                             new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (org.apache.kafka.common.PartitionInfo pi : p.partitionsFor(topics.rawAccessLog())) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topics.rawAccessLog(), pi.partition(),
                        upTo.toEpochMilli(), instance, value, h)).get(30, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    public static void createTopics(String bootstrap, Topics topics, int partitions) {
        try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
            admin.ensure(topics, partitions, Optional.of((short) 1));
        }
    }

    /** One meshpulse instance: the topology with the stand-in alerts stage, run by Kafka Streams, served over HTTP. */
    public static final class Instance implements AutoCloseable {
        public final Server server;
        public final StreamsRunner runner;

        public Instance(String bootstrap, Topics topics, String appId, int partitions, Path stateDir, ServeOptions options)
                throws Exception {
            this.server = Server.bind(options.withFeedFromStart(true), null);
            Settings settings = new Settings(Duration.ofSeconds(10), Duration.ofSeconds(30), partitions, Duration.ofDays(1),
                    Duration.ofSeconds(1), Duration.ofDays(3650)).withCloseDelay(Settings.DEFAULT_CLOSE_DELAY);
            StreamsBuilder b = new StreamsBuilder();
            KStream<String, PairWindowStats> stats = MeshpulseTopology.addTo(b, topics, settings);
            TestAlertStage.addTo(b, stats);
            Properties config = StreamsRunner.config(appId, bootstrap, Files.createDirectories(stateDir), 1, (short) 1,
                    32L * 1024 * 1024);
            config.put(StreamsConfig.APPLICATION_SERVER_CONFIG, server.applicationServer());
            config.put(io.meshpulse.topology.stream.CloseHolds.CONFIG, server.closeHolds());
            this.runner = new StreamsRunner(b.build(), config);
            runner.streams().start();
            server.attach(runner.streams(), topics, bootstrap);
        }

        public URI url() {
            return server.url();
        }

        @Override
        public void close() {
            server.close();
            runner.close();
        }
    }

    public static HttpResponse<String> get(URI base, String pathAndQuery, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(Duration.ofSeconds(60)).GET();
        if (token != null) b.header("Authorization", "Bearer " + token);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public static <T> T getJson(URI base, String pathAndQuery, Class<T> type) throws Exception {
        HttpResponse<String> r = get(base, pathAndQuery, null);
        if (r.statusCode() != 200) throw new IllegalStateException(pathAndQuery + " → " + r.statusCode() + " " + r.body());
        return Json.MAPPER.readValue(r.body(), type);
    }

    /** Waits for a condition, polling; fails with {@code what} after the deadline. */
    public static void await(String what, Duration deadline, BooleanSupplier condition) throws InterruptedException {
        org.awaitility.Awaitility.await(what).atMost(deadline).pollInterval(Duration.ofMillis(200))
                .until(condition::getAsBoolean);
    }
}

package io.meshpulse.app.replay;

import static io.meshpulse.app.replay.RunChild.deadline;
import static io.meshpulse.app.replay.RunChild.ms;
import static io.meshpulse.app.replay.RunChild.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.app.cli.MeshpulseProcess;
import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.ingest.kafka.RawLineProducer;
import io.meshpulse.model.Alert;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Topics;
import io.meshpulse.sim.Incident;
import io.meshpulse.sim.MeshSimulator;
import io.meshpulse.sim.MeshSpec;
import io.meshpulse.sim.SimConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The parsing tasks' look marks on a real broker: {@code meshpulse run} on 4 partitions, with the alerts stage's
 * settle delay at ten minutes, so that nothing but the marks can have it judge an early look within the test. Each
 * of the four parsing tasks sends its mark to every partition of the alerts stage's input (a multicast through the
 * repartition topic); the UC incident's alert fires only once all four have marked the point its look is at.
 *
 * <p>The lines are the last 90 s of a generated mesh, their times ending now, sent at once: every task's clock jumps
 * to the present and it looks at everything it has.
 *
 * <p>Once with one instance holding all eight tasks, and once with two instances of one application id sharing them:
 * then an alerts partition's marks come from parsing tasks in the other JVM too, through the broker.
 */
class LookMarksIT {
    private static final String PREFIX = "marks.";
    private static final JsonCodec<Alert> ALERT = new JsonCodec<>(Alert.class);

    @ParameterizedTest(name = "{0} instance(s)")
    @ValueSource(ints = {1, 2})
    void aLookIsJudgedOnceEveryParsingTaskHasMarkedItWithoutWaitingForTheSettleDelay(int instances,
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        Instant now = Instant.ofEpochMilli(System.currentTimeMillis() / 10_000 * 10_000);
        Instant start = now.minusSeconds(90);
        MeshSimulator.generate(MeshSpec.aksShop(), SimConfig.defaults(31, start, Duration.ofSeconds(90))
                .withIncidents(List.of(Incident.of(Incident.Kind.MTLS_PLAINTEXT_TO_STRICT, "checkout/checkout-api",
                        "checkout/payments-api", start.plusSeconds(60), Duration.ofSeconds(30), 0.8))),
                dir.resolve("logs"));
        List<RawLogLine> lines = SimCounts.lines(dir.resolve("logs"));

        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"), 0)) {
            String bootstrap = broker.bootstrapServers();
            Topics topics = Topics.withPrefix(PREFIX);
            RunChild.createTopics(bootstrap, topics, 4);
            List<RunChild.Started> running = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                String name = "marks-" + (char) ('a' + i);
                RunChild child = new RunChild(dir, List.of("run", "--bootstrap-servers", bootstrap, "--topic-prefix",
                        PREFIX, "--application-id", "meshpulse-marks-it", "--group-instance-id", name, "--state-dir",
                        dir.resolve("state-" + name).toString(), "--http-port", "0", "--quiet", "--partitions", "4",
                        "--rocksdb-memory", String.valueOf(32L * 1024 * 1024)));
                running.add(new RunChild.Started(child, name, MeshpulseProcess.start(child.jvm(),
                        Map.of("MESHPULSE_ALERTS_SETTLE_DELAY", "PT10M"), child.args(), child.log(name))));
            }
            try (GroupProbe probe = new GroupProbe(bootstrap, "meshpulse-marks-it", PREFIX, topics.rawAccessLog());
                 OutputCollector out = new OutputCollector(bootstrap, topics.pairStats(), topics.deadLetters(),
                         topics.alerts(), null);
                 RawLineProducer producer = new RawLineProducer(bootstrap, topics.rawAccessLog())) {
                out.start();
                waitFor(deadline(90), "every instance holding raw partitions, 4 in all", () -> {
                    Map<String, Integer> held = probe.rawPartitionsByMember(); // one description of the group a try
                    List<Integer> of = running.stream().map(r -> GroupProbe.rawPartitionsOf(held, r.run())).toList();
                    return of.stream().allMatch(n -> n > 0) && of.stream().mapToInt(n -> n).sum() == 4;
                }, running);
                Set<Integer> partitions = lines.stream().map(l -> Utils.toPositive(
                        Utils.murmur2(l.key().getBytes(StandardCharsets.UTF_8))) % 4).collect(Collectors.toSet());
                assertEquals(Set.of(0, 1, 2, 3), partitions, "every parsing task has lines, hence a clock and marks");
                long sent = System.nanoTime();
                SimCounts.send(producer, lines, 0);

                waitFor(deadline(60), "UC alert", () -> firing(out.alertLines()) != null, running);
                Alert a = firing(out.alertLines());
                long took = ms(sent);
                assertTrue(took < 60_000, "well inside the 10 min settle delay: " + took + " ms");
                assertEquals("checkout-api", a.source().workload());
                long span = Instant.parse(a.observed().windowEnd()).toEpochMilli()
                        - Instant.parse(a.observed().windowStart()).toEpochMilli();
                assertTrue(span == 5_000 || span == 10_000, "an early look (the closed windows wait 10 min): " + span);
            } finally {
                for (RunChild.Started r : running) {
                    r.process().destroy();
                    r.process().waitFor();
                }
            }
        }
    }

    private static Alert firing(List<String> records) {
        return records.stream().map(ALERT::decode)
                .filter(x -> x.failureClass().equals("UC") && x.status().equals(Alert.FIRING))
                .findFirst().orElse(null);
    }
}

package io.meshpulse.app.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.ingest.files.LogFileSet;
import io.meshpulse.ingest.replay.MergedLogReader;
import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.PairExemplars;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Topics;
import io.meshpulse.topology.MeshpulseTopology;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * From kubelet CRI files to the topology's outputs: lines over 16 KiB that the runtime split inside a 2-, 3- and
 * 4-byte character are read by the replay's reader, sent as raw records and processed under TopologyTestDriver;
 * the failure examples kept for a pair and the dead letters of lines that are not access logs hold the original
 * characters.
 */
class SplitCharacterTopologyTest {
    private static final JsonCodec<RawLogLine> RAW = new JsonCodec<>(RawLogLine.class);
    private static final int SPLIT = 16 * 1024;
    private static final List<String> CHARS = List.of("\u00e9", "\u20ac", "\ud83d\ude00");

    @TempDir
    Path dir;

    /** An outbound request that the upstream reset (UC), its path holding {@code ch} where the split cuts it. */
    private static String failedRequest(int second, String ch, int cut) {
        String head = "[2026-11-20T10:00:0" + second + ".000Z] \"GET /";
        String path = "/" + "p".repeat(SPLIT - cut - head.length()) + ch + "/end";
        String line = "[2026-11-20T10:00:0" + second + ".000Z] \"GET " + path + " HTTP/1.1\" 503 UC "
                + "upstream_reset_before_response_started{connection_termination} - \"-\" 0 95 2 - \"-\" \"curl/8\" "
                + "\"id-" + second + "\" \"payments:8080\" \"10.0.0.9:8080\" "
                + "outbound|8080||payments.shop.svc.cluster.local 10.0.0.5:4000 10.96.0.9:8080 10.0.0.5:4001 - default";
        return line;
    }

    /** Envoy's own warning (not an access log) with {@code ch} where the split cuts it. */
    private static String envoyWarning(int second, String ch, int cut) {
        String head = "2026-11-20T10:00:0" + second + ".000000Z\twarning\tenvoy config\tbad name: ";
        return head + "w".repeat(SPLIT - cut - head.length()) + ch + " (rejected)";
    }

    private static void cri(ByteArrayOutputStream out, String time, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        for (int from = 0; ; from += SPLIT) {
            int to = Math.min(b.length, from + SPLIT);
            out.writeBytes((time + " stdout " + (to == b.length ? "F " : "P ")).getBytes(StandardCharsets.US_ASCII));
            out.write(b, from, to - from);
            out.write('\n');
            if (to == b.length) return;
        }
    }

    @Test
    void examplesAndDeadLettersHoldTheCharacterTheSplitCut() throws IOException {
        Path podDir = dir.resolve("pods/shop_checkout-api-7d9f8-x2b4q_0000-uid/istio-proxy");
        Files.createDirectories(podDir);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        Set<String> wantExamples = new TreeSet<>();
        Set<String> wantDead = new TreeSet<>();
        for (int i = 0; i < CHARS.size(); i++) {
            String ch = CHARS.get(i);
            int cut = ch.getBytes(StandardCharsets.UTF_8).length - 1; // the last byte of the character in the next chunk
            String request = failedRequest(i + 1, ch, cut);
            assertEquals(ch.getBytes(StandardCharsets.UTF_8)[cut], request.getBytes(StandardCharsets.UTF_8)[SPLIT]);
            cri(file, "2026-11-20T10:00:0" + (i + 1) + ".100000000Z", request);
            wantExamples.add(request);
            String warning = envoyWarning(i + 1, ch, 1);
            assertEquals(ch.getBytes(StandardCharsets.UTF_8)[1], warning.getBytes(StandardCharsets.UTF_8)[SPLIT]);
            cri(file, "2026-11-20T10:00:0" + (i + 1) + ".200000000Z", warning);
            wantDead.add(warning);
        }
        Files.write(podDir.resolve("0.log"), file.toByteArray());

        Topics topics = Topics.defaults();
        StreamsBuilder b = new StreamsBuilder();
        MeshpulseTopology.add(b, topics, Settings.defaults(1));
        Path state = Files.createTempDirectory(dir, "state");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "meshpulse-split-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        Instant t0 = Instant.parse("2026-11-20T10:00:00Z");
        try (TopologyTestDriver driver = new TopologyTestDriver(b.build(p), p, t0)) {
            TestInputTopic<String, byte[]> raw = driver.createInputTopic(topics.rawAccessLog(),
                    Serdes.String().serializer(), Serdes.ByteArray().serializer());
            List<String> skipped = new ArrayList<>();
            var logs = LogFileSet.discover(List.of(dir.resolve("pods")), Set.of("istio-proxy"), skipped);
            assertEquals(1, logs.size(), "found " + logs + ", skipped " + skipped);
            long last = t0.toEpochMilli();
            try (MergedLogReader reader = new MergedLogReader(logs, "node-1")) {
                for (RawLogLine l = reader.next(); l != null; l = reader.next()) {
                    last = Math.max(last, Instant.parse(l.ts()).toEpochMilli());
                    raw.pipeInput(new TestRecord<>(l.key(), RAW.encode(l), Instant.ofEpochMilli(last)));
                }
            }
            RecordHeaders h = new RecordHeaders();
            h.add(Names.CONTROL_HEADER, Names.END_OF_INPUT.getBytes(StandardCharsets.UTF_8));
            raw.pipeInput(new TestRecord<>("control", new byte[0], h, Instant.ofEpochMilli(last)));
            driver.advanceWallClockTime(Duration.ofSeconds(5));

            Set<String> dead = new TreeSet<>();
            for (DeadLetter d : driver.createOutputTopic(topics.deadLetters(), Serdes.String().deserializer(),
                    MeshpulseTopology.DEAD_LETTER_SERDE.deserializer()).readValuesToList()) {
                assertEquals("rejected", d.kind(), d.reason());
                dead.add(d.line());
            }
            assertEquals(wantDead, dead);

            Set<String> examples = new TreeSet<>();
            WindowStore<String, PairExemplars> store = driver.getWindowStore(Names.PAIR_EXEMPLARS_STORE);
            try (KeyValueIterator<Windowed<String>, PairExemplars> it = store.all()) {
                while (it.hasNext()) {
                    KeyValue<Windowed<String>, PairExemplars> kv = it.next();
                    examples.addAll(kv.value.of("UC"));
                }
            }
            assertEquals(wantExamples, examples);
        }
    }
}

package io.meshpulse.app.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.MetricSample;
import io.meshpulse.model.Topics;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshpulse ingest prometheus --once}, twice, on the real embedded broker: the second run (a new process in
 * production) restores the checkpoint committed with the first run's samples and asks only for newer steps, so the
 * samples topic holds every step once. The query API here is a local server answering in Prometheus' documented
 * matrix shape; PrometheusPollerIT covers a real Prometheus.
 */
class IngestPrometheusIT {
    static final JsonCodec<MetricSample> CODEC = new JsonCodec<>(MetricSample.class);

    @TempDir
    Path dir;

    @Test
    void aRestartedPollerContinuesFromItsCommittedCheckpoint() throws Exception {
        List<Map<String, String>> asked = new ArrayList<>();
        HttpServer prom = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        prom.createContext("/api/v1/query_range", ex -> {
            Map<String, String> form = new HashMap<>();
            for (String kv : new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
                int eq = kv.indexOf('=');
                form.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
            asked.add(form);
            long start = Long.parseLong(form.get("start"));
            long end = Long.parseLong(form.get("end"));
            StringBuilder values = new StringBuilder();
            if (form.get("query").contains("istio_requests_total")) {
                for (long t = start; t <= end; t += 1) values.append(values.length() == 0 ? "" : ",").append("[").append(t).append(",\"7\"]");
            }
            String series = values.length() == 0 ? "" : "{\"metric\":{\"reporter\":\"source\",\"source_workload\":\"frontend\","
                    + "\"source_workload_namespace\":\"shop\",\"destination_service\":\"cart.shop.svc.cluster.local\","
                    + "\"destination_service_namespace\":\"shop\",\"destination_workload\":\"cart\","
                    + "\"destination_workload_namespace\":\"shop\",\"response_code\":\"200\",\"response_flags\":\"-\"},"
                    + "\"values\":[" + values + "]}";
            byte[] b = ("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[" + series + "]}}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        prom.start();
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"), 0)) {
            Topics topics = Topics.withPrefix("it.");
            try (TopicAdmin admin = new TopicAdmin(broker.bootstrapServers())) {
                admin.ensure(topics, 2, Optional.of((short) 1));
            }
            String[] args = {"ingest", "prometheus", "--url", "http://127.0.0.1:" + prom.getAddress().getPort(),
                    "--bootstrap-servers", broker.bootstrapServers(), "--topic-prefix", "it.", "--step", "1s",
                    "--lookback", "1m", "--delay", "0s", "--once"};
            assertEquals(0, Meshpulse.run(args));
            long firstEnd = Long.parseLong(asked.get(0).get("end"));
            // The second poll has something to ask for only once a newer step exists; a fast first run can finish
            // within the second it ended on, and the poller then rightly asks for nothing.
            await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() / 1000 > firstEnd);
            assertEquals(0, Meshpulse.run(args)); // a new poller: restores the checkpoint from Kafka
            assertTrue(asked.size() >= 3, "two queries per poll: " + asked.size());
            Map<String, String> second = asked.get(2);
            assertTrue(Long.parseLong(second.get("start")) == firstEnd + 1,
                    "the second run starts right after the first one's last step: " + second + " vs end " + firstEnd);

            List<MetricSample> samples = new ArrayList<>();
            int ticks = 0;
            for (ConsumerRecord<String, byte[]> r : readAll(broker.bootstrapServers(), topics.metricsSamples())) {
                if (r.headers().lastHeader("meshpulse-control") != null) {
                    ticks++;
                } else {
                    samples.add(CODEC.decode(r.value()));
                }
            }
            long distinct = samples.stream().map(MetricSample::ts).distinct().count();
            assertEquals(samples.size(), distinct, "every step once");
            long expectedSteps = (Long.parseLong(asked.get(asked.size() - 1).get("end")) - Long.parseLong(asked.get(0).get("start"))) + 1;
            assertEquals(expectedSteps, samples.size(), "no gap between the two runs");
            assertEquals(4, ticks, "a samples-up-to tick per partition per poll");
            assertTrue(Instant.parse(samples.get(0).ts()).isBefore(Instant.now()));
        } finally {
            prom.stop(0);
        }
    }

    static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = new HashMap<>(c.endOffsets(tps));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!end.isEmpty() && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                end.entrySet().removeIf(e -> c.position(e.getKey()) >= e.getValue());
            }
            assertTrue(end.isEmpty(), "read to the end of " + topic);
        }
        out.sort(java.util.Comparator.comparingLong(ConsumerRecord::timestamp));
        return out;
    }
}

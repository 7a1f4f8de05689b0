package io.meshpulse.ingest.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import io.meshpulse.ingest.poll.IngestMetrics;
import io.meshpulse.ingest.poll.MemorySink;
import io.meshpulse.ingest.poll.PollLoop;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.MetricSample;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.WorkloadRef;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest prometheus} against a real Prometheus (the Debian package's binary) scraping a fixture that serves
 * Istio's request metrics in the text exposition format, with counters that advance on every scrape.
 */
class PrometheusPollerIT {
    static final String TOPIC = "meshpulse.metrics.samples";
    static final JsonCodec<MetricSample> CODEC = new JsonCodec<>(MetricSample.class);
    static final String CART = "cart.shop.svc.cluster.local";
    /** Per scrape (every second): 10 OK calls, 1 UF, and on the waypoint series 5 (not supported, skipped). */
    static final int OK_PER_SCRAPE = 10;

    @TempDir
    static Path dir;
    static HttpServer fixture;
    static final AtomicInteger scrapes = new AtomicInteger();
    static Process prometheus;
    static URI prometheusUrl;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static String binary() {
        String env = System.getenv("PROMETHEUS_BIN");
        Path p = Path.of(env != null ? env : "/usr/bin/prometheus");
        if (!Files.isExecutable(p)) {
            fail("Prometheus binary not found at " + p + ": apt-get install prometheus (or set PROMETHEUS_BIN)");
        }
        return p.toString();
    }

    static String exposition(int n) {
        String src = "source_workload=\"frontend\",source_workload_namespace=\"shop\",destination_service=\"" + CART
                + "\",destination_service_namespace=\"shop\",destination_workload=\"cart\",destination_workload_namespace=\"shop\"";
        StringBuilder b = new StringBuilder();
        b.append("# TYPE istio_requests_total counter\n");
        b.append("istio_requests_total{reporter=\"source\",").append(src)
                .append(",response_code=\"200\",response_flags=\"-\",pod=\"frontend-1\"} ").append(OK_PER_SCRAPE * n).append('\n');
        b.append("istio_requests_total{reporter=\"source\",").append(src)
                .append(",response_code=\"503\",response_flags=\"UF,URX\",pod=\"frontend-1\"} ").append(n).append('\n');
        b.append("istio_requests_total{reporter=\"waypoint\",").append(src)
                .append(",response_code=\"200\",response_flags=\"-\",pod=\"waypoint-1\"} ").append(5 * n).append('\n');
        b.append("istio_requests_total{reporter=\"destination\",source_workload=\"unknown\",source_workload_namespace=\"unknown\","
                + "destination_service=\"" + CART + "\",destination_service_namespace=\"shop\",destination_workload=\"cart\","
                + "destination_workload_namespace=\"shop\",response_code=\"200\",response_flags=\"-\",pod=\"cart-1\"} 0\n");
        b.append("# TYPE istio_request_duration_milliseconds histogram\n");
        // every OK call takes 5..10 ms, every failure 250..500 ms
        String[][] buckets = {{"5", "0"}, {"10", "" + OK_PER_SCRAPE}, {"250", "" + OK_PER_SCRAPE},
                {"500", "" + (OK_PER_SCRAPE + 1)}, {"+Inf", "" + (OK_PER_SCRAPE + 1)}};
        for (String[] bk : buckets) {
            b.append("istio_request_duration_milliseconds_bucket{reporter=\"source\",").append(src).append(",le=\"")
                    .append(bk[0]).append("\"} ").append(Long.parseLong(bk[1]) * n).append('\n');
        }
        b.append("istio_request_duration_milliseconds_sum{reporter=\"source\",").append(src).append("} ").append(n * 300)
                .append('\n');
        b.append("istio_request_duration_milliseconds_count{reporter=\"source\",").append(src).append("} ")
                .append((OK_PER_SCRAPE + 1) * n).append('\n');
        return b.toString();
    }

    @BeforeAll
    static void start() throws Exception {
        String bin = binary();
        fixture = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        fixture.createContext("/metrics", ex -> {
            byte[] body = exposition(scrapes.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        fixture.start();
        int port;
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
                + "  - job_name: istio-fixture\n    static_configs:\n      - targets: ['127.0.0.1:"
                + fixture.getAddress().getPort() + "']\n");
        prometheus = new ProcessBuilder(bin, "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        prometheusUrl = URI.create("http://127.0.0.1:" + port);
        waitFor(Duration.ofSeconds(60), () -> ready(), "Prometheus ready");
    }

    static boolean ready() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(prometheusUrl.resolve("/-/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) prometheus.destroyForcibly();
        }
        if (fixture != null) fixture.stop(0);
    }

    static void waitFor(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        org.awaitility.Awaitility.await(what).atMost(timeout).pollInterval(Duration.ofMillis(100))
                .until(condition::getAsBoolean);
    }

    static PrometheusPoller.Options options(Duration step) {
        return new PrometheusPoller.Options(prometheusUrl, step, Duration.ofSeconds(40), Duration.ofSeconds(2),
                Duration.ofHours(1), "", TOPIC);
    }

    static List<MetricSample> samples(List<ProducerRecord<String, byte[]>> records) {
        return records.stream().filter(r -> r.headers().lastHeader(PrometheusPoller.CONTROL_HEADER) == null)
                .map(r -> CODEC.decode(r.value())).toList();
    }

    @Test
    void pollsIstioIncreasesPerStepIncrementallyWithTicksToEveryPartition() throws Exception {
        int first = scrapes.get();
        waitFor(Duration.ofSeconds(90), () -> scrapes.get() >= first + 16, "16 scrapes");
        MemorySink sink = new MemorySink(3);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        IngestMetrics metrics = new IngestMetrics(registry, "prometheus", Clock.systemUTC());
        PrometheusPoller poller = new PrometheusPoller(options(Duration.ofSeconds(4)), http, null, Clock.systemUTC(), sink);
        PollLoop loop = new PollLoop(poller, sink, Duration.ofSeconds(1), metrics, Clock.systemUTC());

        loop.step();
        List<MetricSample> got = samples(sink.records);
        assertFalse(got.isEmpty(), "samples from the fixture's series");
        for (MetricSample s : got) {
            assertEquals("source", s.reporter(), "waypoint series are skipped, zero series filtered: " + s);
            assertEquals(new WorkloadRef("shop", "frontend"), s.source());
            assertEquals(new ServiceRef("shop", CART, "cart"), s.destination());
            assertTrue(s.origin().startsWith("prometheus:127.0.0.1:"), s.origin());
        }
        Map<String, List<MetricSample>> byKind = got.stream().collect(Collectors.groupingBy(s ->
                s.metric().equals(MetricSample.REQUESTS) ? s.code() + " " + s.flags() : "le=" + s.le()));
        List<MetricSample> ok = byKind.get("200 -");
        List<MetricSample> uf = byKind.get("503 UF,URX");
        assertNotNull(ok, byKind.keySet().toString());
        assertNotNull(uf, byKind.keySet().toString());
        assertNotNull(byKind.get("le=10"), "duration buckets by le");
        assertNotNull(byKind.get("le=+Inf"), "duration buckets by le");
        assertTrue(ok.size() >= 2, "several steps: " + ok);
        for (MetricSample s : ok.subList(1, ok.size())) {
            // 10 per second over a 4 s step; Prometheus extrapolates to the step's edges, so allow a scrape's worth.
            // The first step is left out: the series may start inside it, and then only part of it is counted.
            assertEquals(40, s.value(), 12, "increase of the 200 series over one step: " + s);
        }
        double okSum = ok.stream().mapToDouble(MetricSample::value).sum();
        double ufSum = uf.stream().mapToDouble(MetricSample::value).sum();
        assertEquals(0.1, ufSum / okSum, 0.02, "UF,URX is a tenth of the OK calls");
        for (int i = 1; i < got.size(); i++) {
            assertTrue(got.get(i - 1).ts().compareTo(got.get(i).ts()) <= 0, "sent in time order");
        }
        long ticks = sink.records.stream().filter(r -> r.headers().lastHeader(PrometheusPoller.CONTROL_HEADER) != null)
                .map(ProducerRecord::partition).distinct().count();
        assertEquals(3, ticks, "a samples-up-to tick per partition");
        String upTo = sink.checkpoint;
        String lastTs = got.get(got.size() - 1).ts();
        assertTrue(upTo.contains(lastTs) || upTo.compareTo(lastTs) > 0, upTo + " vs " + lastTs);

        // The next poll after more scrapes starts where the checkpoint ended: no step is sent twice.
        int before = sink.records.size();
        int now = scrapes.get();
        waitFor(Duration.ofSeconds(60), () -> scrapes.get() >= now + 6, "6 more scrapes");
        loop.step();
        List<MetricSample> next = samples(sink.records.subList(before, sink.records.size()));
        assertFalse(next.isEmpty());
        assertTrue(next.get(0).ts().compareTo(lastTs) > 0, "new steps only: " + next.get(0).ts() + " after " + lastTs);
        assertEquals(2, sink.commits);
        assertEquals(sink.records.size(), metrics.produced(), 0.0, "every committed record is counted");
    }

    @Test
    void aServerErrorIsRetriedAfterItsRetryAfterAndCounted() throws Exception {
        HttpServer failing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger calls = new AtomicInteger();
        failing.createContext("/api/v1/query_range", ex -> {
            ex.getRequestBody().readAllBytes();
            if (calls.incrementAndGet() == 1) {
                ex.getResponseHeaders().add("Retry-After", "7");
                ex.sendResponseHeaders(429, -1);
            } else {
                byte[] b = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}"
                        .getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, b.length);
                ex.getResponseBody().write(b);
            }
            ex.close();
        });
        failing.start();
        try {
            URI url = URI.create("http://127.0.0.1:" + failing.getAddress().getPort() + "/");
            MemorySink sink = new MemorySink(1);
            IngestMetrics metrics = new IngestMetrics(new SimpleMeterRegistry(), "prometheus", Clock.systemUTC());
            PrometheusPoller poller = new PrometheusPoller(new PrometheusPoller.Options(url, Duration.ofSeconds(10),
                    Duration.ofMinutes(1), Duration.ofSeconds(30), Duration.ofHours(1), "cluster=\"prod\"", TOPIC),
                    http, () -> "token-for-test", Clock.systemUTC(), sink);
            PollLoop loop = new PollLoop(poller, sink, Duration.ofSeconds(30), metrics, Clock.systemUTC());
            assertEquals(Duration.ofSeconds(7), loop.step(), "waits what Retry-After says");
            assertEquals(1, metrics.errors(io.meshpulse.ingest.poll.PollException.Kind.THROTTLED));
            assertEquals(0, sink.commits, "nothing committed on failure");
            assertEquals(Duration.ofSeconds(30), loop.step(), "then the normal interval");
            assertEquals(1, sink.commits);
            assertEquals(1, sink.records.size(), "only the tick: the mesh was quiet");
        } finally {
            failing.stop(0);
        }
    }

    @Test
    void theQueriesAreWhatTheReadmeSays() {
        assertEquals("sum by (reporter, source_workload, source_workload_namespace, destination_service, "
                + "destination_service_namespace, destination_workload, destination_workload_namespace, response_code, "
                + "response_flags) (increase(istio_requests_total{cluster=\"prod\"}[10s])) > 0",
                PromQueries.requests(10, "cluster=\"prod\""));
    }
}

package io.meshpulse.app.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meshpulse.model.Json;
import io.meshpulse.model.Times;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real Prometheus (Debian's binary, or {@code $PROMETHEUS_BIN}) scraping a fixture that serves Istio's request
 * metrics every half second, and a pass-through in front of its query API that counts the answers, so that a test
 * can kill a poller right after it got its data. The fixture's counters advance by seeded amounts per scrape: three
 * pairs, both reporters, 200 and 503 responses, a four-bucket duration histogram; some scrapes add nothing, so
 * that {@code > 0} leaves some steps out.
 */
final class PrometheusWithIstio implements AutoCloseable {
    static final Path BINARY = Path.of(System.getenv().getOrDefault("PROMETHEUS_BIN", "/usr/bin/prometheus"));
    private static final String[][] PAIRS = {
            {"shop", "frontend", "shop", "cart.shop.svc.cluster.local", "cart"},
            {"shop", "cart", "pay", "payments.pay.svc.cluster.local", "payments"},
            {"shop", "frontend", "shop", "catalog.shop.svc.cluster.local", "catalog"}};
    private static final String[] REPORTERS = {"source", "destination"};
    private static final String[] LE = {"5", "25", "250", "+Inf"};
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Random rnd;
    private final long[][] ok = new long[PAIRS.length][REPORTERS.length];
    private final long[][] failed = new long[PAIRS.length][REPORTERS.length];
    private final long[][][] buckets = new long[PAIRS.length][REPORTERS.length][LE.length];
    private final HttpServer exporter;
    private final HttpServer proxy;
    private final Process prometheus;
    private final URI url;
    private final Instant started;
    private final AtomicInteger answers = new AtomicInteger();
    private final AtomicInteger scrapes = new AtomicInteger();
    private volatile long firstStartMillis = -1;

    private PrometheusWithIstio(Path dir, long seed) throws IOException {
        rnd = new Random(seed);
        exporter = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        exporter.createContext("/metrics", ex -> {
            ex.getRequestBody().readAllBytes();
            send(ex, 200, "text/plain; version=0.0.4", scrape().getBytes(StandardCharsets.UTF_8));
        });
        exporter.start();
        int port;
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        url = URI.create("http://127.0.0.1:" + port);
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, String.join("\n", "global:", "  scrape_interval: 500ms", "  scrape_timeout: 400ms",
                "scrape_configs:", "  - job_name: istio-fixture", "    static_configs:",
                "      - targets: ['127.0.0.1:" + exporter.getAddress().getPort() + "']", ""));
        started = Instant.now();
        prometheus = new ProcessBuilder(BINARY.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/api/v1/query_range", this::forward);
        proxy.start();
    }

    /** Starts the fixture, Prometheus and the pass-through; {@link #awaitScraping} waits for the first scrapes. */
    static PrometheusWithIstio start(Path dir, long seed) throws IOException {
        assertTrue(Files.isExecutable(BINARY), "Prometheus is needed at " + BINARY
                + " (apt-get install prometheus, as .ci/run does, or set PROMETHEUS_BIN)");
        return new PrometheusWithIstio(dir, seed);
    }

    void awaitScraping(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (scrapes.get() < 2) {
            assertTrue(prometheus.isAlive(), "Prometheus exited: see prometheus.log");
            assertTrue(System.nanoTime() < deadline, "Prometheus did not scrape within " + timeout);
            try {
                prometheus.waitFor(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** When Prometheus was started: it has no data before. */
    Instant started() {
        return started;
    }

    /** The query API as the poller sees it (the counting pass-through). */
    String url() {
        return "http://127.0.0.1:" + proxy.getAddress().getPort();
    }

    /**
     * The first step the poller asked for (epoch millis; -1 before): a poller without a checkpoint starts there,
     * provided that first poll was committed. The pass-through answers one request at a time.
     */
    long firstStartMillis() {
        return firstStartMillis;
    }

    private static long startMillis(String form) {
        for (String kv : form.split("&")) {
            if (kv.startsWith("start=")) return Math.round(Double.parseDouble(kv.substring(6)) * 1000);
        }
        throw new IllegalStateException("query_range without start: " + form);
    }

    /** query_range answers with status 200 given to the poller so far. */
    int answers() {
        return answers.get();
    }

    private synchronized String scrape() {
        StringBuilder b = new StringBuilder("# TYPE istio_requests_total counter\n");
        StringBuilder h = new StringBuilder("# TYPE istio_request_duration_milliseconds histogram\n");
        for (int p = 0; p < PAIRS.length; p++) {
            for (int r = 0; r < REPORTERS.length; r++) {
                int okNow = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(8);
                int failedNow = rnd.nextInt(5) == 0 ? 1 : 0;
                ok[p][r] += okNow;
                failed[p][r] += failedNow;
                for (int c = 0; c < okNow + failedNow; c++) {
                    int bucket = c < okNow ? rnd.nextInt(3) : 2 + rnd.nextInt(2);
                    for (int le = bucket; le < LE.length; le++) buckets[p][r][le]++;
                }
                String labels = labels(p, r);
                b.append("istio_requests_total{").append(labels).append(",response_code=\"200\",response_flags=\"-\"} ")
                        .append(ok[p][r]).append('\n');
                b.append("istio_requests_total{").append(labels).append(",response_code=\"503\",response_flags=\"UF\"} ")
                        .append(failed[p][r]).append('\n');
                for (int le = 0; le < LE.length; le++) {
                    h.append("istio_request_duration_milliseconds_bucket{").append(labels).append(",le=\"")
                            .append(LE[le]).append("\"} ").append(buckets[p][r][le]).append('\n');
                }
                h.append("istio_request_duration_milliseconds_count{").append(labels).append("} ")
                        .append(buckets[p][r][LE.length - 1]).append('\n');
            }
        }
        scrapes.incrementAndGet();
        return b.append(h).toString();
    }

    private static String labels(int p, int r) {
        String[] x = PAIRS[p];
        return "reporter=\"" + REPORTERS[r] + "\",source_workload_namespace=\"" + x[0] + "\",source_workload=\"" + x[1]
                + "\",destination_service_namespace=\"" + x[2] + "\",destination_service=\"" + x[3]
                + "\",destination_workload=\"" + x[4] + "\",destination_workload_namespace=\"" + x[2] + "\"";
    }

    private void forward(HttpExchange ex) throws IOException {
        byte[] form = ex.getRequestBody().readAllBytes();
        HttpResponse<byte[]> r;
        try {
            r = HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/query_range")).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(form)).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(ex, 503, "text/plain", new byte[0]);
            return;
        } catch (IOException e) {
            send(ex, 503, "text/plain", e.toString().getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (r.statusCode() == 200) {
            if (firstStartMillis < 0) firstStartMillis = startMillis(new String(form, StandardCharsets.UTF_8));
            answers.incrementAndGet();
        }
        send(ex, r.statusCode(), r.headers().firstValue("Content-Type").orElse("application/json"), r.body());
    }

    /**
     * What Prometheus itself answers for {@code promql} over {@code [from, to]} at {@code step}: each point keyed
     * the way {@link PollerKillNineIT#sampleKey} keys a sample, with its value.
     */
    Map<String, Double> reference(String metric, String promql, long fromMillis, long toMillis, Duration step)
            throws IOException, InterruptedException {
        String form = "query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8) + "&start=" + fromMillis / 1000
                + "&end=" + toMillis / 1000 + "&step=" + step.toSeconds() + "s";
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(url.resolve("/api/v1/query_range"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        Map<String, Double> out = new HashMap<>();
        for (JsonNode series : Json.MAPPER.readTree(r.body()).path("data").path("result")) {
            JsonNode l = series.path("metric");
            String pair = l.path("reporter").asText() + "|" + l.path("source_workload_namespace").asText() + "/"
                    + l.path("source_workload").asText() + "|" + l.path("destination_service_namespace").asText() + "/"
                    + l.path("destination_service").asText() + "/" + l.path("destination_workload").asText();
            boolean requests = l.has("response_code");
            for (JsonNode point : series.path("values")) {
                long ms = Math.round(point.path(0).asDouble() * 1000);
                out.put(PollerKillNineIT.sampleKey(metric, pair, requests ? l.path("response_code").asText() : null,
                        requests ? l.path("response_flags").asText() : null, l.path("le").asText(null),
                        Times.rfc3339(ms)), Double.parseDouble(point.path(1).asText()));
            }
        }
        return out;
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(body);
        }
    }

    @Override
    public void close() throws InterruptedException {
        proxy.stop(0);
        prometheus.destroy();
        if (!prometheus.waitFor(20, TimeUnit.SECONDS)) prometheus.destroyForcibly().waitFor();
        exporter.stop(0);
    }
}

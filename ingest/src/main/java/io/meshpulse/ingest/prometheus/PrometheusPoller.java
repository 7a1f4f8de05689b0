package io.meshpulse.ingest.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshpulse.ingest.poll.Batch;
import io.meshpulse.ingest.poll.CheckpointedSink;
import io.meshpulse.ingest.poll.PollException;
import io.meshpulse.ingest.poll.Poller;
import io.meshpulse.ingest.poll.RetryAfter;
import io.meshpulse.model.Json;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.MetricSample;
import io.meshpulse.model.Rfc3339;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.Times;
import io.meshpulse.model.WorkloadRef;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Polls a Prometheus-compatible query API ({@code /api/v1/query_range}: Prometheus, or an Azure Monitor workspace's
 * query endpoint) for Istio's request metrics and turns each point into a {@link MetricSample}.
 *
 * <p>Incremental: the checkpoint is the end of the last step sent. Each poll asks for the steps after it up to
 * {@code now - delay} (aligned to the step; at most {@code maxRange} at a time, so a long outage is caught up in
 * pieces), sends the samples in time order, then a {@code samples-up-to} control record to every partition, and
 * commits all of it with the new checkpoint. The delay leaves time for the last scrapes (and, in Azure, ingestion)
 * to land, since a step queried too early would be counted short and never revisited.
 */
public final class PrometheusPoller implements Poller {
    /** Must match the topology's {@code Names.CONTROL_HEADER} / {@code Names.SAMPLES_UP_TO}. */
    public static final String CONTROL_HEADER = "meshpulse-control";
    public static final String SAMPLES_UP_TO = "samples-up-to";

    private static final JsonCodec<MetricSample> CODEC = new JsonCodec<>(MetricSample.class);
    private static final String UNKNOWN = "unknown";

    /**
     * @param url      base URL of the query API (what comes before {@code /api/v1/...})
     * @param step     query step: the span of each sample (and of the topology window it lands in)
     * @param lookback how far back the very first poll starts
     * @param delay    how far behind now the polls stay
     * @param maxRange the most one poll asks for
     * @param selector extra label matchers for both metrics, e.g. {@code cluster="aks-prod"}
     * @param topic    where samples go ({@code meshpulse.metrics.samples})
     */
    public record Options(URI url, Duration step, Duration lookback, Duration delay, Duration maxRange,
                          String selector, String topic) {
        public Options {
            if (step.toSeconds() < 1) throw new IllegalArgumentException("step must be at least 1s");
            if (lookback.isNegative() || delay.isNegative()) throw new IllegalArgumentException("negative duration");
            if (maxRange.compareTo(step) < 0) throw new IllegalArgumentException("maxRange must cover a step");
        }
    }

    private final Options o;
    private final HttpClient http;
    private final Supplier<String> bearer;
    private final Clock clock;
    private final CheckpointedSink sink;
    private final String origin;

    /** {@code bearer} gives an access token per request (cached by the supplier), or is null for no auth. */
    public PrometheusPoller(Options options, HttpClient http, Supplier<String> bearer, Clock clock, CheckpointedSink sink) {
        this.o = options;
        this.http = http;
        this.bearer = bearer;
        this.clock = clock;
        this.sink = sink;
        this.origin = "prometheus:" + options.url().getHost() + (options.url().getPort() > 0 ? ":" + options.url().getPort() : "");
    }

    @Override
    public String source() {
        return "prometheus";
    }

    /** The checkpoint identity: one poller per query endpoint and selector. */
    public static String checkpointKey(Options o) {
        return "prometheus|" + redacted(o.url()) + "|" + (o.selector() == null ? "" : o.selector());
    }

    @Override
    public Batch poll(String checkpoint) {
        long stepMs = o.step().toMillis();
        long end = Math.floorDiv(clock.millis() - o.delay().toMillis(), stepMs) * stepMs;
        long cursor = checkpoint == null || checkpoint.isBlank()
                ? Math.floorDiv(end - o.lookback().toMillis(), stepMs) * stepMs
                : readCheckpoint(checkpoint);
        if (end <= cursor) return new Batch(List.of(), writeCheckpoint(cursor), 0, 0, cursor);
        long to = Math.min(end, cursor + Math.floorDiv(o.maxRange().toMillis(), stepMs) * stepMs);
        long from = cursor + stepMs;

        long stepSeconds = o.step().toSeconds();
        List<MetricSample> samples = new ArrayList<>();
        long[] counts = new long[2]; // read, skipped
        read(query(PromQueries.requests(stepSeconds, o.selector()), from, to), MetricSample.REQUESTS, samples, counts);
        read(query(PromQueries.durationBuckets(stepSeconds, o.selector()), from, to), MetricSample.DURATION_BUCKET,
                samples, counts);
        samples.sort(Comparator.comparing(MetricSample::ts)); // RFC 3339 in UTC millis sorts as text

        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(samples.size() + 4);
        for (MetricSample s : samples) {
            long ts = Rfc3339.parseMillis(s.ts(), 0, s.ts().length());
            records.add(new ProducerRecord<>(o.topic(), null, ts, s.pairKey(), CODEC.encode(s)));
        }
        byte[] upTo = Times.rfc3339(to).getBytes(StandardCharsets.UTF_8);
        int partitions = sink.partitions(o.topic());
        for (int p = 0; p < partitions; p++) {
            RecordHeaders h = new RecordHeaders();
            h.add(CONTROL_HEADER, SAMPLES_UP_TO.getBytes(StandardCharsets.UTF_8));
            records.add(new ProducerRecord<>(o.topic(), p, to, "", upTo, h));
        }
        return new Batch(records, writeCheckpoint(to), counts[0], counts[1], to);
    }

    private JsonNode query(String promql, long fromMillis, long toMillis) {
        String form = "query=" + enc(promql) + "&start=" + seconds(fromMillis) + "&end=" + seconds(toMillis)
                + "&step=" + o.step().toSeconds() + "s";
        URI uri = URI.create(o.url().toString().replaceAll("/+$", "") + "/api/v1/query_range");
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (bearer != null) rb.header("Authorization", "Bearer " + bearer.get());
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new PollException(PollException.Kind.IO, "cannot reach " + redacted(uri) + ": " + e, null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PollException(PollException.Kind.IO, "interrupted", null, e);
        }
        int status = resp.statusCode();
        if (status != 200) {
            java.time.Duration retry = RetryAfter.parse(resp.headers().firstValue("Retry-After").orElse(null),
                    clock.instant());
            throw new PollException(PollException.kindOf(status), "HTTP " + status + " from " + redacted(uri) + ": "
                    + snippet(resp.body()), retry, null);
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(resp.body());
        } catch (IOException e) {
            throw new PollException(PollException.Kind.RESPONSE, "not JSON from " + redacted(uri), null, e);
        }
        if (!"success".equals(root.path("status").asText())) {
            throw new PollException(PollException.Kind.RESPONSE, "query failed: " + root.path("errorType").asText()
                    + ": " + root.path("error").asText(), null, null);
        }
        return root.path("data").path("result");
    }

    private void read(JsonNode result, String metric, List<MetricSample> out, long[] counts) {
        for (JsonNode series : result) {
            JsonNode labels = series.path("metric");
            String reporter = labels.path("reporter").asText(null);
            JsonNode values = series.path("values");
            boolean supported = "source".equals(reporter) || "destination".equals(reporter);
            WorkloadRef source = workload(label(labels, "source_workload_namespace"), label(labels, "source_workload"));
            String dstNs = label(labels, "destination_service_namespace");
            if (dstNs == null) dstNs = label(labels, "destination_workload_namespace");
            ServiceRef destination = new ServiceRef(dstNs, label(labels, "destination_service"),
                    label(labels, "destination_workload"));
            Integer code = null;
            String flags = null;
            String le = null;
            if (MetricSample.REQUESTS.equals(metric)) {
                code = code(labels.path("response_code").asText("0"));
                String f = labels.path("response_flags").asText("-");
                flags = f.isEmpty() ? "-" : f;
            } else {
                le = labels.path("le").asText(null);
                if (le == null) supported = false;
            }
            for (Iterator<JsonNode> it = values.elements(); it.hasNext(); ) {
                JsonNode point = it.next();
                counts[0]++;
                double v = parse(point.path(1).asText());
                if (!supported || !(v > 0) || Double.isInfinite(v)) {
                    counts[1]++; // waypoint reporters, NaN, or nothing happened
                    continue;
                }
                long endMs = Math.round(point.path(0).asDouble() * 1000);
                out.add(new MetricSample(Times.rfc3339(endMs), Times.rfc3339(endMs - o.step().toMillis()), metric,
                        reporter, source, destination, code, flags, le, v, origin));
            }
        }
    }

    private static String label(JsonNode labels, String name) {
        String v = labels.path(name).asText(null);
        return v == null || v.isEmpty() || UNKNOWN.equals(v) ? null : v;
    }

    private static WorkloadRef workload(String ns, String wl) {
        return ns == null && wl == null ? null : new WorkloadRef(ns, wl);
    }

    private static int code(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static double parse(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String seconds(long millis) {
        return millis % 1000 == 0 ? Long.toString(millis / 1000) : Double.toString(millis / 1000.0);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Scheme, host, port and path: never the query string or user info. */
    static String redacted(URI u) {
        return u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "")
                + (u.getPath() == null ? "" : u.getPath());
    }

    private static String snippet(byte[] body) {
        String s = new String(body, StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    static long readCheckpoint(String checkpoint) {
        try {
            JsonNode n = Json.MAPPER.readTree(checkpoint);
            String upTo = n.path("upTo").asText();
            long v = Rfc3339.parseMillis(upTo, 0, upTo.length());
            if (v == Rfc3339.INVALID) throw new IllegalStateException("checkpoint without upTo: " + checkpoint);
            return v;
        } catch (IOException e) {
            throw new IllegalStateException("unreadable prometheus checkpoint: " + checkpoint, e);
        }
    }

    static String writeCheckpoint(long upTo) {
        try {
            return Json.MAPPER.writeValueAsString(Map.of("upTo", Times.rfc3339(upTo)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

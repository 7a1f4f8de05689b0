package io.meshpulse.model;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * The statistics of one workload pair, as seen by one reporter, over one closed event-time window.
 * Value of topic {@code meshpulse.pair.stats} and of {@code pair-stats.jsonl}; times are RFC 3339.
 *
 * @param byClass     request counts per failure class (every class except NONE)
 * @param byCodeClass request counts per response code class: 1xx … 5xx, and "0" for no response
 * @param origin      what the counts come from: {@code accesslog} (parsed access-log lines) or {@code metrics}
 *                    (Istio's {@code istio_requests_total} family, for a reporter whose access logs did not cover
 *                    the window); absent in JSON written before the field existed, which reads as {@code accesslog}
 */
@JsonPropertyOrder({"windowStart", "windowEnd", "reporter", "source", "destination", "requests", "failures",
        "successRatio", "byClass", "byCodeClass", "latencyMs", "bytesSent", "bytesReceived", "origin"})
public record PairWindowStats(
        String windowStart,
        String windowEnd,
        String reporter,
        WorkloadRef source,
        ServiceRef destination,
        long requests,
        long failures,
        double successRatio,
        Map<String, Long> byClass,
        Map<String, Long> byCodeClass,
        LatencySummary latencyMs,
        long bytesSent,
        long bytesReceived,
        String origin) {

    public static final String ORIGIN_ACCESS_LOG = "accesslog";
    public static final String ORIGIN_METRICS = "metrics";

    public PairWindowStats {
        if (reporter == null || !(reporter.equals("source") || reporter.equals("destination"))) {
            throw new IllegalArgumentException("reporter must be source or destination: " + reporter);
        }
        if (requests < 0 || failures < 0 || failures > requests) {
            throw new IllegalArgumentException("bad counts: requests=" + requests + " failures=" + failures);
        }
        byClass = byClass == null ? Map.of() : byClass;
        byCodeClass = byCodeClass == null ? Map.of() : byCodeClass;
        if (origin == null) origin = ORIGIN_ACCESS_LOG;
        if (!origin.equals(ORIGIN_ACCESS_LOG) && !origin.equals(ORIGIN_METRICS)) {
            throw new IllegalArgumentException("origin must be accesslog or metrics: " + origin);
        }
    }

    /** Stats counted from access-log lines (the origin the spine has always produced). */
    public PairWindowStats(String windowStart, String windowEnd, String reporter, WorkloadRef source,
                           ServiceRef destination, long requests, long failures, double successRatio,
                           Map<String, Long> byClass, Map<String, Long> byCodeClass, LatencySummary latencyMs,
                           long bytesSent, long bytesReceived) {
        this(windowStart, windowEnd, reporter, source, destination, requests, failures, successRatio, byClass,
                byCodeClass, latencyMs, bytesSent, bytesReceived, ORIGIN_ACCESS_LOG);
    }
}

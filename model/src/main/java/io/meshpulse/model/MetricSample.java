package io.meshpulse.model;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One point of an Istio standard metric, as {@code ingest prometheus} reads it: the increase of one series over
 * one query step. Value of topic {@code meshpulse.metrics.samples}, keyed by {@link #pairKey()}.
 *
 * <p>Two kinds, told apart by {@code metric}:
 * <ul>
 *   <li>{@code requests}: the increase of {@code istio_requests_total} for one response code and flag set;</li>
 *   <li>{@code duration_bucket}: the increase of one {@code istio_request_duration_milliseconds_bucket}
 *       bucket ({@code le}, cumulative as Prometheus keeps it); {@code code} and {@code flags} are null.</li>
 * </ul>
 *
 * @param ts          end of the step the increase covers (RFC 3339); the point's timestamp in Prometheus
 * @param start       start of that step (RFC 3339): {@code ts} minus the query step
 * @param reporter    Istio's {@code reporter} label: {@code source} or {@code destination}
 * @param source      {@code source_workload_namespace} / {@code source_workload}; null parts for {@code unknown}
 * @param destination {@code destination_service_namespace} (or the workload namespace), {@code destination_service},
 *                    {@code destination_workload}; null parts for {@code unknown}
 * @param code        {@code response_code} (0 when no response was sent)
 * @param flags       {@code response_flags} as Istio reports it: {@code -} or comma-joined Envoy short flags
 * @param le          the bucket's upper bound as Prometheus prints it ({@code 25}, {@code +Inf})
 * @param value       the increase: a count, fractional because Prometheus extrapolates to the step's edges
 * @param origin      where it was read, e.g. {@code prometheus:<host>}
 */
@JsonPropertyOrder({"ts", "start", "metric", "reporter", "source", "destination", "code", "flags", "le", "value",
        "origin"})
public record MetricSample(String ts, String start, String metric, String reporter, WorkloadRef source,
                           ServiceRef destination, Integer code, String flags, String le, double value,
                           String origin) {
    public static final String REQUESTS = "requests";
    public static final String DURATION_BUCKET = "duration_bucket";

    public MetricSample {
        if (ts == null || start == null) throw new IllegalArgumentException("ts and start are required");
        if (!REQUESTS.equals(metric) && !DURATION_BUCKET.equals(metric)) {
            throw new IllegalArgumentException("metric must be requests or duration_bucket: " + metric);
        }
        if (!"source".equals(reporter) && !"destination".equals(reporter)) {
            throw new IllegalArgumentException("reporter must be source or destination: " + reporter);
        }
        if (REQUESTS.equals(metric) && code == null) throw new IllegalArgumentException("requests need a code");
        if (DURATION_BUCKET.equals(metric) && le == null) throw new IllegalArgumentException("buckets need le");
        if (!(value >= 0) || Double.isInfinite(value)) throw new IllegalArgumentException("bad value: " + value);
    }

    /**
     * The Kafka key, the same string as the pair-stats key: {@code reporter|srcNs/srcWl|dstNs/dstSvc/dstWl}
     * ({@code -} for unknown parts).
     */
    public String pairKey() {
        WorkloadRef s = source;
        ServiceRef d = destination;
        return reporter + '|' + dash(s == null ? null : s.namespace()) + '/' + dash(s == null ? null : s.workload())
                + '|' + dash(d == null ? null : d.namespace()) + '/' + dash(d == null ? null : d.service()) + '/'
                + dash(d == null ? null : d.workload());
    }

    private static String dash(String s) {
        return s == null ? "-" : s;
    }
}

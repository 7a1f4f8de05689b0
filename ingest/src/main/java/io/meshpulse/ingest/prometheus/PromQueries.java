package io.meshpulse.ingest.prometheus;

/**
 * The PromQL that {@code ingest prometheus} runs. Each gives, per query step, the increase of Istio's standard
 * request metrics per pair, reporter, code and flag set; {@code > 0} leaves out the series that did not move, so
 * quiet meshes cost nothing. {@code increase} needs two scrapes inside the step: keep the step at least twice the
 * scrape interval.
 */
public final class PromQueries {
    /** Istio's labels that identify a pair as one reporter sees it. */
    public static final String PAIR_LABELS = "reporter, source_workload, source_workload_namespace, "
            + "destination_service, destination_service_namespace, destination_workload, destination_workload_namespace";

    private PromQueries() {}

    public static String requests(long stepSeconds, String selector) {
        return "sum by (" + PAIR_LABELS + ", response_code, response_flags) (increase(istio_requests_total"
                + braces(selector) + "[" + stepSeconds + "s])) > 0";
    }

    public static String durationBuckets(long stepSeconds, String selector) {
        return "sum by (le, " + PAIR_LABELS + ") (increase(istio_request_duration_milliseconds_bucket"
                + braces(selector) + "[" + stepSeconds + "s])) > 0";
    }

    private static String braces(String selector) {
        if (selector == null || selector.isBlank()) return "";
        String s = selector.trim();
        return s.startsWith("{") ? s : "{" + s + "}";
    }
}

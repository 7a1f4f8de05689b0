package io.meshpulse.app.serve;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.meshpulse.model.LatencySummary;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.WorkloadRef;
import java.util.List;
import java.util.Map;

/** The JSON shapes of the triage API (times RFC 3339, latencies in milliseconds). */
public final class TriageModel {
    private TriageModel() {}

    /**
     * One pair over the asked range. {@code failingSince}: start of the unbroken run of failing windows that ends
     * with the pair's newest window (null when the newest window had no failure).
     */
    @JsonPropertyOrder({"key", "reporter", "source", "destination", "requests", "failures", "successRatio", "byClass",
            "byCodeClass", "latencyMs", "p99MaxMs", "windows", "firstWindowStart", "lastWindowEnd", "failingSince",
            "lastFailureAt"})
    public record PairRow(String key, String reporter, WorkloadRef source, ServiceRef destination, long requests,
                          long failures, double successRatio, Map<String, Long> byClass, Map<String, Long> byCodeClass,
                          LatencySummary latencyMs, Double p99MaxMs, int windows, String firstWindowStart,
                          String lastWindowEnd, String failingSince, String lastFailureAt) {}

    /** Answer of /api/v1/pairs. {@code missing}: instances that did not answer (the list is then partial). */
    @JsonPropertyOrder({"from", "to", "sort", "instances", "missing", "pairs"})
    public record Pairs(String from, String to, String sort, int instances, List<String> missing, List<PairRow> pairs) {}

    @JsonPropertyOrder({"key", "reporter", "source", "destination", "windows"})
    public record Series(String key, String reporter, WorkloadRef source, ServiceRef destination,
                         List<PairWindowStats> windows) {}

    @JsonPropertyOrder({"source", "destination", "from", "to", "instances", "missing", "series"})
    public record Timeline(String source, String destination, String from, String to, int instances,
                           List<String> missing, List<Series> series) {}

    @JsonPropertyOrder({"windowStart", "failureClass", "line"})
    public record Sample(String windowStart, String failureClass, String line) {}

    @JsonPropertyOrder({"pair", "failureClass", "from", "to", "available", "samples"})
    public record Samples(String pair, String failureClass, String from, String to, boolean available,
                          List<Sample> samples) {}

    /** Answer of /api/v1/alerts: {@code available} is false while the application has no alerts store. */
    @JsonPropertyOrder({"status", "available", "instances", "missing", "alerts"})
    public record Alerts(String status, boolean available, int instances, List<String> missing,
                         List<Map<String, Object>> alerts) {}

    @JsonPropertyOrder({"pair", "from", "to", "verdict", "summary", "stats", "topClass", "classMeaning", "alerts",
            "samples", "next"})
    public record Explain(String pair, String from, String to, String verdict, String summary, PairRow stats,
                          String topClass, String classMeaning, List<Map<String, Object>> alerts, List<Sample> samples,
                          List<String> next) {}
}

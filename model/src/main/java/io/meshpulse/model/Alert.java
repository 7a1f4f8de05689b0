package io.meshpulse.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One state change of one alert on one (pair, failure class): value of topic {@code meshpulse.alerts} and one line
 * of {@code alerts.jsonl}. Times are RFC 3339. {@code startsAt} is the event time the condition began,
 * {@code detectedAt} the event (stream) time at which it was raised, {@code endsAt} null while firing.
 */
@JsonPropertyOrder({"fingerprint", "status", "failureClass", "reporter", "source", "destination", "startsAt",
        "detectedAt", "endsAt", "severity", "observed", "diagnosis", "exemplars"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Alert(
        String fingerprint,
        String status,
        String failureClass,
        String reporter,
        WorkloadRef source,
        ServiceRef destination,
        String startsAt,
        String detectedAt,
        String endsAt,
        String severity,
        Observed observed,
        Diagnosis diagnosis,
        List<String> exemplars) {

    public static final String FIRING = "firing";
    public static final String RESOLVED = "resolved";

    /** Severities in order, higher is more severe: critical, warning, info, anything else. */
    public static int severityRank(String severity) {
        return switch (severity == null ? "" : severity) {
            case "critical" -> 3;
            case "warning" -> 2;
            case "info" -> 1;
            default -> 0;
        };
    }

    public Alert {
        if (!FIRING.equals(status) && !RESOLVED.equals(status)) {
            throw new IllegalArgumentException("status must be firing or resolved: " + status);
        }
        exemplars = exemplars == null ? List.of() : List.copyOf(exemplars);
    }

    /** The window that raised (or last updated) the alert, and the pair's baseline failure ratio for the class. */
    @JsonPropertyOrder({"windowStart", "windowEnd", "requests", "failures", "failureRatio", "baselineRatio"})
    public record Observed(String windowStart, String windowEnd, long requests, long failures, double failureRatio,
                           double baselineRatio) {}

    /** What most likely broke, the evidence for it, the commands that confirm it and the fix. */
    @JsonPropertyOrder({"title", "summary", "evidence", "commands", "fix"})
    public record Diagnosis(String title, String summary, List<String> evidence, List<String> commands,
                            List<String> fix) {
        public Diagnosis {
            evidence = evidence == null ? List.of() : List.copyOf(evidence);
            commands = commands == null ? List.of() : List.copyOf(commands);
            fix = fix == null ? List.of() : List.copyOf(fix);
        }
    }
}

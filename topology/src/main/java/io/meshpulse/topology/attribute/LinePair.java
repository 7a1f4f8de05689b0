package io.meshpulse.topology.attribute;

/**
 * The pair one access-log line belongs to, as far as the line alone can tell. A caller known only by IP
 * ({@code sourceIp}) and a destination pod known only by IP ({@code destinationIp}) are resolved to workloads
 * when the window is flushed, against the IP table learned from every pod's own lines.
 */
public record LinePair(boolean sourceReporter,
                       String sourceNamespace, String sourceWorkload, String sourceIp,
                       String destinationNamespace, String destinationService, String destinationWorkload,
                       String destinationIp) {

    public String reporter() {
        return sourceReporter ? "source" : "destination";
    }
}

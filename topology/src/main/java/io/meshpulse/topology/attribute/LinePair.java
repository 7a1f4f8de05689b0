package io.meshpulse.topology.attribute;

/**
 * The pair one access-log line belongs to, as far as the line alone can tell. A caller known only by IP
 * ({@code sourceIp}) and a destination pod known only by IP ({@code destinationIp}) are resolved to workloads
 * when the window is flushed, against the IP table learned from every pod's own lines. A server-side line that
 * names no service keeps the pod that logged it and the port it was reached on ({@code destinationPod},
 * {@code destinationPort}; null on every other line), so that the window can take the service from what that pod's
 * other inbound lines said ({@link ServedServices}).
 */
public record LinePair(boolean sourceReporter,
                       String sourceNamespace, String sourceWorkload, String sourceIp,
                       String destinationNamespace, String destinationService, String destinationWorkload,
                       String destinationIp, String destinationPod, String destinationPort) {

    public LinePair(boolean sourceReporter, String sourceNamespace, String sourceWorkload, String sourceIp,
                    String destinationNamespace, String destinationService, String destinationWorkload,
                    String destinationIp) {
        this(sourceReporter, sourceNamespace, sourceWorkload, sourceIp, destinationNamespace, destinationService,
                destinationWorkload, destinationIp, null, null);
    }

    public String reporter() {
        return sourceReporter ? "source" : "destination";
    }

    /** Whether the service is to be found from the pod's other lines when the window is resolved. */
    public boolean serviceToResolve() {
        return !sourceReporter && destinationService == null && destinationPod != null;
    }
}

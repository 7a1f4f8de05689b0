package io.meshpulse.topology.stream.metrics;

import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.WorkloadRef;

/**
 * The proxy that reported a request, as {@code source|ns/workload} (the client side: sidecar or gateway) or
 * {@code destination|ns/workload} (the server's sidecar). Access logging is switched on and off per proxy
 * (Telemetry API scope, mesh config), so "did access logs cover this window?" is a question about the reporter,
 * not about the pair: the two sources also name the far end differently (an access log may only know the
 * caller's IP or the service, where the metric carries the peer's workload), so matching on the full pair would
 * count those requests twice.
 */
public final class ReporterKey {
    private ReporterKey() {}

    public static String of(String reporter, WorkloadRef source, ServiceRef destination) {
        if ("source".equals(reporter)) {
            return "source|" + dash(source == null ? null : source.namespace()) + '/'
                    + dash(source == null ? null : source.workload());
        }
        return "destination|" + dash(destination == null ? null : destination.namespace()) + '/'
                + dash(destination == null ? null : destination.workload());
    }

    private static String dash(String s) {
        return s == null ? "-" : s;
    }
}

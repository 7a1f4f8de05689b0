package io.meshpulse.topology.parse;

import java.util.List;

/**
 * One istio-proxy access-log entry, as parsed from a TEXT or JSON line.
 *
 * <p>A value printed as {@code -} (or JSON {@code null}), or absent from the line's layout, is {@code null}.
 * Numbers absent or {@code -} are {@code -1} for the primitive fields, except {@code upstreamServiceTimeMs}
 * which is boxed and {@code null} then. {@code responseFlags} keeps the order of the line (Envoy's order is not
 * stable across versions, so treat it as a set); it is empty when the line says {@code -}.
 *
 * <p>{@code failureClass}, {@code cause} and {@code rbacPolicy} are filled by {@link Classifier}.
 */
public record AccessLogRecord(
        LogFormat format,
        long startTimeMillis,
        String startTime,
        String method,
        String path,
        String protocol,
        int responseCode,
        List<String> responseFlags,
        String responseCodeDetails,
        String connectionTerminationDetails,
        String upstreamTransportFailureReason,
        long bytesReceived,
        long bytesSent,
        long durationMs,
        Long upstreamServiceTimeMs,
        String xForwardedFor,
        String userAgent,
        String requestId,
        String authority,
        String upstreamHost,
        String upstreamCluster,
        String upstreamLocalAddress,
        String downstreamLocalAddress,
        String downstreamRemoteAddress,
        String requestedServerName,
        String routeName,
        Direction direction,
        String failureClass,
        String cause,
        String rbacPolicy) {

    public AccessLogRecord {
        if (format == null) throw new IllegalArgumentException("format is required");
        if (responseFlags == null) throw new IllegalArgumentException("responseFlags must not be null; use List.of()");
        if (direction == null) direction = Direction.UNKNOWN;
    }

    /** True unless the class is NONE, APP_4XX or DI (see {@link FailureClass#isFailure}). */
    public boolean isFailure() {
        return FailureClass.isFailure(failureClass);
    }
}

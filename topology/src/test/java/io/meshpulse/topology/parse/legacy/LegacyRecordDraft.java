package io.meshpulse.topology.parse.legacy;

import io.meshpulse.topology.parse.AccessLogRecord;
import io.meshpulse.topology.parse.Direction;
import io.meshpulse.topology.parse.FailureClass;
import io.meshpulse.topology.parse.LogFormat;
import io.meshpulse.topology.parse.ParseResult;

import io.meshpulse.model.Rfc3339;
import java.util.List;

/**
 * Mutable field holder reused across lines by one parser, so a line that turns out to be rejected half-way
 * allocates no record. {@link #build()} strips the cluster's trailing {@code ;}, works out the direction and
 * the failure class, and makes the immutable record.
 */
final class LegacyRecordDraft {
    LogFormat format;
    long startTimeMillis;
    String startTime;
    String method;
    String path;
    String protocol;
    int responseCode;
    List<String> responseFlags;
    String responseCodeDetails;
    String connectionTerminationDetails;
    String upstreamTransportFailureReason;
    long bytesReceived;
    long bytesSent;
    long durationMs;
    Long upstreamServiceTimeMs;
    String xForwardedFor;
    String userAgent;
    String requestId;
    String authority;
    String upstreamHost;
    String upstreamCluster;
    String upstreamLocalAddress;
    String downstreamLocalAddress;
    String downstreamRemoteAddress;
    String requestedServerName;
    String routeName;

    void reset(LogFormat f) {
        format = f;
        startTimeMillis = Rfc3339.INVALID;
        startTime = null;
        method = null;
        path = null;
        protocol = null;
        responseCode = -1;
        responseFlags = List.of();
        responseCodeDetails = null;
        connectionTerminationDetails = null;
        upstreamTransportFailureReason = null;
        bytesReceived = -1;
        bytesSent = -1;
        durationMs = -1;
        upstreamServiceTimeMs = null;
        xForwardedFor = null;
        userAgent = null;
        requestId = null;
        authority = null;
        upstreamHost = null;
        upstreamCluster = null;
        upstreamLocalAddress = null;
        downstreamLocalAddress = null;
        downstreamRemoteAddress = null;
        requestedServerName = null;
        routeName = null;
    }

    AccessLogRecord build() {
        String cluster = upstreamCluster;
        if (cluster != null && cluster.endsWith(";")) {
            // Istio 1.23+ alt_stat_name leaks a ';' into %UPSTREAM_CLUSTER%.
            cluster = cluster.length() == 1 ? null : LegacyTokenCache.known(cluster.substring(0, cluster.length() - 1));
        }
        String failureClass = LegacyClassifier.failureClass(responseCode, responseFlags, responseCodeDetails,
                connectionTerminationDetails, cluster, routeName);
        String cause = LegacyClassifier.cause(responseCodeDetails, connectionTerminationDetails);
        // same rule as LegacyClassifier.classify: the policy of whichever details value is an RBAC denial
        String rbacPolicy = LegacyClassifier.rbacPolicy(responseCodeDetails);
        if (rbacPolicy == null) rbacPolicy = LegacyClassifier.rbacPolicy(connectionTerminationDetails);
        Direction direction = LegacyClassifier.direction(cluster, routeName, responseFlags, responseCodeDetails,
                requestedServerName);
        return new AccessLogRecord(format, startTimeMillis, startTime, method, path, protocol, responseCode,
                responseFlags, responseCodeDetails, connectionTerminationDetails, upstreamTransportFailureReason,
                bytesReceived, bytesSent, durationMs, upstreamServiceTimeMs, xForwardedFor, userAgent, requestId,
                authority, upstreamHost, cluster, upstreamLocalAddress, downstreamLocalAddress,
                downstreamRemoteAddress, requestedServerName, routeName, direction, failureClass, cause,
                rbacPolicy);
    }
}

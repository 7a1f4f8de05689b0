package io.meshpulse.topology.parse;

import io.meshpulse.model.Rfc3339;
import io.meshpulse.topology.parse.TokenCache.ClusterInfo;
import io.meshpulse.topology.parse.TokenCache.Details;
import io.meshpulse.topology.parse.TokenCache.FlagSet;

/**
 * Mutable field holder reused across lines by one parser, so a line that turns out to be rejected half-way
 * allocates no record. {@link #build()} works out the direction and the failure class from the facts the token
 * cache derived once per distinct cluster, details and flags value, and makes the immutable record.
 */
final class RecordDraft {
    /** Boxed upstream service times up to this many ms are shared instances. */
    private static final Long[] SMALL_LONGS = new Long[4096];

    static {
        for (int i = 0; i < SMALL_LONGS.length; i++) SMALL_LONGS[i] = (long) i;
    }

    LogFormat format;
    long startTimeMillis;
    String startTime;
    String method;
    String path;
    String protocol;
    int responseCode;
    FlagSet flags;
    Details details;
    Details termination;
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
    ClusterInfo cluster;
    String upstreamLocalAddress;
    String downstreamLocalAddress;
    String downstreamRemoteAddress;
    String requestedServerName;
    String routeName;

    static Long boxed(long v) {
        return v >= 0 && v < SMALL_LONGS.length ? SMALL_LONGS[(int) v] : Long.valueOf(v);
    }

    void reset(LogFormat f) {
        format = f;
        startTimeMillis = Rfc3339.INVALID;
        startTime = null;
        method = null;
        path = null;
        protocol = null;
        responseCode = -1;
        flags = FlagSet.EMPTY;
        details = Details.NONE;
        termination = Details.NONE;
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
        cluster = ClusterInfo.NONE;
        upstreamLocalAddress = null;
        downstreamLocalAddress = null;
        downstreamRemoteAddress = null;
        requestedServerName = null;
        routeName = null;
    }

    AccessLogRecord build() {
        return record(format, startTimeMillis, startTime, method, path, protocol, responseCode, flags, details,
                termination, upstreamTransportFailureReason, bytesReceived, bytesSent, durationMs,
                upstreamServiceTimeMs, xForwardedFor, userAgent, requestId, authority, upstreamHost, cluster,
                upstreamLocalAddress, downstreamLocalAddress, downstreamRemoteAddress, requestedServerName,
                routeName);
    }

    /**
     * The classified record of the given values: the direction and the failure class are worked out from the facts
     * the token cache keeps per distinct value (see {@link #failureClass} and {@link #direction}). Static, so a
     * parser can build a record straight from its locals without storing them in the (long-lived) draft first.
     */
    static AccessLogRecord record(LogFormat format, long startTimeMillis, String startTime, String method,
            String path, String protocol, int responseCode, FlagSet f, Details d, Details t,
            String upstreamTransportFailureReason, long bytesReceived, long bytesSent, long durationMs,
            Long upstreamServiceTimeMs, String xForwardedFor, String userAgent, String requestId, String authority,
            String upstreamHost, ClusterInfo c, String upstreamLocalAddress, String downstreamLocalAddress,
            String downstreamRemoteAddress, String requestedServerName, String routeName) {
        return new AccessLogRecord(format, startTimeMillis, startTime, method, path, protocol, responseCode,
                f.list, d.value, t.value, upstreamTransportFailureReason,
                bytesReceived, bytesSent, durationMs, upstreamServiceTimeMs, xForwardedFor, userAgent, requestId,
                authority, upstreamHost, c.name, upstreamLocalAddress, downstreamLocalAddress,
                downstreamRemoteAddress, requestedServerName, routeName,
                direction(f, d, c, routeName, requestedServerName),
                failureClass(responseCode, f, d, t, c, routeName), cause(d, t), rbacPolicy(d, t));
    }

    /**
     * {@link #record} for a TEXT line whose free-text values are left as spans of {@code text} (see
     * {@link AccessLogRecord#span}; {@link AccessLogRecord#NONE} for null), decoded when first read. The route is
     * {@code knownRoute} when it is one of {@link TokenCache#ROUTES}, else the span {@code routeName}.
     * {@code text} becomes the record's, the line starting at {@code textBase}: nobody may write it while the record
     * is read.
     */
    static AccessLogRecord lazyText(byte[] text, int textBase, long startTimeMillis, int startTime, String method, int path,
            String protocol, int responseCode, FlagSet f, Details d, Details t, int upstreamTransportFailureReason,
            long bytesReceived, long bytesSent, long durationMs, Long upstreamServiceTimeMs, int xForwardedFor,
            int userAgent, int requestId, int authority, int upstreamHost, ClusterInfo c, int upstreamLocalAddress,
            int downstreamLocalAddress, int downstreamRemoteAddress, int requestedServerName, String knownRoute,
            int routeName) {
        // the classification only compares the route with Istio's own names, so any other one (left as a span)
        // classifies as null does
        return new AccessLogRecord(text, textBase, LogFormat.TEXT, startTimeMillis, startTime, method, path, protocol,
                responseCode, f.list, d.value, t.value, upstreamTransportFailureReason, bytesReceived, bytesSent,
                durationMs, upstreamServiceTimeMs, xForwardedFor, userAgent, requestId, authority, upstreamHost,
                c.name, upstreamLocalAddress, downstreamLocalAddress, downstreamRemoteAddress, requestedServerName,
                knownRoute, routeName, direction(f, d, c, knownRoute, text, textBase, requestedServerName),
                failureClass(responseCode, f, d, t, c, knownRoute), cause(d, t), rbacPolicy(d, t));
    }

    // The rules of Classifier.classify and Classifier.direction, over facts computed once per distinct value.

    private static String failureClass(int responseCode, FlagSet f, Details d, Details t, ClusterInfo c,
            String routeName) {
        return Classifier.failureClass(responseCode, f.priority, c.blackHole, d.rbac || t.rbac, d.value, routeName);
    }

    private static String cause(Details d, Details t) {
        return d.rbac || t.rbac ? Classifier.RBAC_CAUSE : d.value != null ? d.cause : t.cause;
    }

    private static String rbacPolicy(Details d, Details t) {
        return d.rbacPolicy != null ? d.rbacPolicy : t.rbacPolicy;
    }

    private static Direction direction(FlagSet f, Details d, ClusterInfo c, String routeName) {
        return Classifier.direction(c.direction, routeName, f.hasNoRoute && "route_not_found".equals(d.value),
                d.value);
    }

    private static Direction direction(FlagSet f, Details d, ClusterInfo c, String routeName, String sni) {
        Direction dir = direction(f, d, c, routeName);
        return dir != Direction.UNKNOWN || c.name != null ? dir
                : Classifier.withoutCluster(sni != null && sni.startsWith(Classifier.ISTIO_SNI_PREFIX));
    }

    /** As above, with the SNI a span of {@code text} (or {@link AccessLogRecord#NONE}), read only when it decides. */
    private static Direction direction(FlagSet f, Details d, ClusterInfo c, String routeName, byte[] text,
                                       int textBase, int sniSpan) {
        Direction dir = direction(f, d, c, routeName);
        return dir != Direction.UNKNOWN || c.name != null ? dir : Classifier.withoutCluster(
                AccessLogRecord.spanStartsWith(text, textBase, sniSpan, Classifier.ISTIO_SNI_PREFIX));
    }
}

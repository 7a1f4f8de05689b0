package io.meshpulse.topology.parse;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * One istio-proxy access-log entry, as parsed from a TEXT or JSON line.
 *
 * <p>A value printed as {@code -} (or JSON {@code null}), or absent from the line's layout, is {@code null}.
 * Numbers absent or {@code -} are {@code -1} for the primitive fields, except {@code upstreamServiceTimeMs}
 * which is boxed and {@code null} then. {@code responseFlags} keeps the order of the line (Envoy's order is not
 * stable across versions, so treat it as a set); it is empty when the line says {@code -}.
 *
 * <p>{@code failureClass}, {@code cause} and {@code rbacPolicy} are filled by {@link Classifier}.
 *
 * <p>This was a Java {@code record}; it is a final class with the same accessors, constructor and value semantics
 * ({@code equals}, {@code hashCode} and {@code toString} over all thirty components, in the same order) so that the
 * parser can leave free-text values undecoded. Most lines are only counted: the topology reads the numbers, the
 * classification and two or three of the addresses and hosts, so decoding the dozen free-text values of every
 * line up front was most of the cost of making a record. A record from the parser's fast path keeps a private copy
 * of its line's UTF-8 bytes and decodes a free-text value the first time its accessor is called; to a caller the
 * difference is invisible (the decoded text is what an eager parse would have given).
 *
 * <p><b>Thread safety:</b> records may be shared between threads without synchronisation. A lazy value is
 * decoded from bytes that are never written after construction (they are reached through a final field, so every
 * thread sees them complete) and stored in a plain field: two threads racing on the first access may each decode
 * it, and either String may be the one kept, but both are equal and a String is safe to publish through a race, so
 * every caller sees the same value.
 */
public final class AccessLogRecord {

    /** A span meaning "no value": the field's String (possibly null) is the value. */
    static final int NONE = -1;
    /**
     * Spans pack a start and an end into one int, 16 bits each (fifteen for the start, so a span is never
     * negative): a lazy record can only be made for a line shorter than this.
     */
    static final int MAX_LAZY_LINE = 1 << 15;

    private final LogFormat format;
    private final long startTimeMillis;
    private String startTime;
    private final String method;
    private String path;
    private final String protocol;
    private final int responseCode;
    private final List<String> responseFlags;
    private final String responseCodeDetails;
    private final String connectionTerminationDetails;
    private String upstreamTransportFailureReason;
    private final long bytesReceived;
    private final long bytesSent;
    private final long durationMs;
    private final Long upstreamServiceTimeMs;
    private String xForwardedFor;
    private String userAgent;
    private String requestId;
    private String authority;
    private String upstreamHost;
    private final String upstreamCluster;
    private String upstreamLocalAddress;
    private String downstreamLocalAddress;
    private String downstreamRemoteAddress;
    private String requestedServerName;
    private String routeName;
    private final Direction direction;
    private final String failureClass;
    private final String cause;
    private final String rbacPolicy;

    /**
     * The UTF-8 bytes the lazy values are decoded from, or null: a private copy of the line (never written after
     * construction), or, for a record of {@link AccessLogParser#parseView}, the caller's buffer, which the caller
     * leaves alone while it reads the record.
     */
    private final byte[] text;
    /** Where the line starts in {@link #text}: spans are relative to it. */
    private final int textBase;
    // Where each lazy value lies in text, as span(start, end), or NONE when its field holds the value (or null).
    private final int startTimeSpan;
    private final int pathSpan;
    private final int upstreamTransportFailureReasonSpan;
    private final int xForwardedForSpan;
    private final int userAgentSpan;
    private final int requestIdSpan;
    private final int authoritySpan;
    private final int upstreamHostSpan;
    private final int upstreamLocalAddressSpan;
    private final int downstreamLocalAddressSpan;
    private final int downstreamRemoteAddressSpan;
    private final int requestedServerNameSpan;
    private final int routeNameSpan;

    /** Every value given; the record's canonical constructor, with its checks. */
    public AccessLogRecord(
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
        if (format == null) throw new IllegalArgumentException("format is required");
        if (responseFlags == null) throw new IllegalArgumentException("responseFlags must not be null; use List.of()");
        this.format = format;
        this.startTimeMillis = startTimeMillis;
        this.startTime = startTime;
        this.method = method;
        this.path = path;
        this.protocol = protocol;
        this.responseCode = responseCode;
        this.responseFlags = responseFlags;
        this.responseCodeDetails = responseCodeDetails;
        this.connectionTerminationDetails = connectionTerminationDetails;
        this.upstreamTransportFailureReason = upstreamTransportFailureReason;
        this.bytesReceived = bytesReceived;
        this.bytesSent = bytesSent;
        this.durationMs = durationMs;
        this.upstreamServiceTimeMs = upstreamServiceTimeMs;
        this.xForwardedFor = xForwardedFor;
        this.userAgent = userAgent;
        this.requestId = requestId;
        this.authority = authority;
        this.upstreamHost = upstreamHost;
        this.upstreamCluster = upstreamCluster;
        this.upstreamLocalAddress = upstreamLocalAddress;
        this.downstreamLocalAddress = downstreamLocalAddress;
        this.downstreamRemoteAddress = downstreamRemoteAddress;
        this.requestedServerName = requestedServerName;
        this.routeName = routeName;
        this.direction = direction == null ? Direction.UNKNOWN : direction;
        this.failureClass = failureClass;
        this.cause = cause;
        this.rbacPolicy = rbacPolicy;
        this.text = null;
        this.textBase = 0;
        this.startTimeSpan = NONE;
        this.pathSpan = NONE;
        this.upstreamTransportFailureReasonSpan = NONE;
        this.xForwardedForSpan = NONE;
        this.userAgentSpan = NONE;
        this.requestIdSpan = NONE;
        this.authoritySpan = NONE;
        this.upstreamHostSpan = NONE;
        this.upstreamLocalAddressSpan = NONE;
        this.downstreamLocalAddressSpan = NONE;
        this.downstreamRemoteAddressSpan = NONE;
        this.requestedServerNameSpan = NONE;
        this.routeNameSpan = NONE;
    }

    /**
     * The parser's lazy form: the free-text values are spans of {@code text} (see {@link #span}; {@link #NONE} for
     * a value that is null), decoded as UTF-8 on first access. The route name is given as a String when it is one
     * of Istio's own (a shared constant, which the classification compares), otherwise as a span. Spans are
     * relative to {@code textBase}. {@code text} must not be written while the record is read: a private array
     * nobody writes afterwards, or a caller's buffer under {@link AccessLogParser#parseView}'s terms. The caller
     * guarantees the non-null arguments the public constructor checks.
     */
    AccessLogRecord(
            byte[] text,
            int textBase,
            LogFormat format,
            long startTimeMillis,
            int startTime,
            String method,
            int path,
            String protocol,
            int responseCode,
            List<String> responseFlags,
            String responseCodeDetails,
            String connectionTerminationDetails,
            int upstreamTransportFailureReason,
            long bytesReceived,
            long bytesSent,
            long durationMs,
            Long upstreamServiceTimeMs,
            int xForwardedFor,
            int userAgent,
            int requestId,
            int authority,
            int upstreamHost,
            String upstreamCluster,
            int upstreamLocalAddress,
            int downstreamLocalAddress,
            int downstreamRemoteAddress,
            int requestedServerName,
            String routeName,
            int routeNameSpan,
            Direction direction,
            String failureClass,
            String cause,
            String rbacPolicy) {
        this.text = text;
        this.textBase = textBase;
        this.format = format;
        this.startTimeMillis = startTimeMillis;
        this.startTimeSpan = startTime;
        this.method = method;
        this.pathSpan = path;
        this.protocol = protocol;
        this.responseCode = responseCode;
        this.responseFlags = responseFlags;
        this.responseCodeDetails = responseCodeDetails;
        this.connectionTerminationDetails = connectionTerminationDetails;
        this.upstreamTransportFailureReasonSpan = upstreamTransportFailureReason;
        this.bytesReceived = bytesReceived;
        this.bytesSent = bytesSent;
        this.durationMs = durationMs;
        this.upstreamServiceTimeMs = upstreamServiceTimeMs;
        this.xForwardedForSpan = xForwardedFor;
        this.userAgentSpan = userAgent;
        this.requestIdSpan = requestId;
        this.authoritySpan = authority;
        this.upstreamHostSpan = upstreamHost;
        this.upstreamCluster = upstreamCluster;
        this.upstreamLocalAddressSpan = upstreamLocalAddress;
        this.downstreamLocalAddressSpan = downstreamLocalAddress;
        this.downstreamRemoteAddressSpan = downstreamRemoteAddress;
        this.requestedServerNameSpan = requestedServerName;
        this.routeName = routeName;
        this.routeNameSpan = routeNameSpan;
        this.direction = direction;
        this.failureClass = failureClass;
        this.cause = cause;
        this.rbacPolicy = rbacPolicy;
    }

    /** The span of {@code [start, end)} for the lazy constructor; {@code end} must be below {@link #MAX_LAZY_LINE}. */
    static int span(int start, int end) {
        return start << 16 | end;
    }

    /** Whether span {@code span} of {@code text} (line at {@code textBase}) starts with the ASCII {@code prefix}. */
    static boolean spanStartsWith(byte[] text, int textBase, int span, String prefix) {
        return span != NONE
                && ByteText.startsWithAscii(text, textBase + (span >>> 16), textBase + (span & 0xffff), prefix);
    }

    /** The text of a span. Idempotent: every call gives an equal String. */
    private String decode(int span) {
        int start = span >>> 16;
        return new String(text, textBase + start, (span & 0xffff) - start, StandardCharsets.UTF_8);
    }

    // Each lazy accessor reads its field once into a local, so a racing decode can only replace null by a value.

    public LogFormat format() {
        return format;
    }

    public long startTimeMillis() {
        return startTimeMillis;
    }

    public String startTime() {
        String v = startTime;
        return v != null || startTimeSpan == NONE ? v : (startTime = decode(startTimeSpan));
    }

    public String method() {
        return method;
    }

    public String path() {
        String v = path;
        return v != null || pathSpan == NONE ? v : (path = decode(pathSpan));
    }

    public String protocol() {
        return protocol;
    }

    public int responseCode() {
        return responseCode;
    }

    public List<String> responseFlags() {
        return responseFlags;
    }

    public String responseCodeDetails() {
        return responseCodeDetails;
    }

    public String connectionTerminationDetails() {
        return connectionTerminationDetails;
    }

    public String upstreamTransportFailureReason() {
        String v = upstreamTransportFailureReason;
        return v != null || upstreamTransportFailureReasonSpan == NONE
                ? v
                : (upstreamTransportFailureReason = decode(upstreamTransportFailureReasonSpan));
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    public long bytesSent() {
        return bytesSent;
    }

    public long durationMs() {
        return durationMs;
    }

    public Long upstreamServiceTimeMs() {
        return upstreamServiceTimeMs;
    }

    public String xForwardedFor() {
        String v = xForwardedFor;
        return v != null || xForwardedForSpan == NONE ? v : (xForwardedFor = decode(xForwardedForSpan));
    }

    public String userAgent() {
        String v = userAgent;
        return v != null || userAgentSpan == NONE ? v : (userAgent = decode(userAgentSpan));
    }

    public String requestId() {
        String v = requestId;
        return v != null || requestIdSpan == NONE ? v : (requestId = decode(requestIdSpan));
    }

    public String authority() {
        String v = authority;
        return v != null || authoritySpan == NONE ? v : (authority = decode(authoritySpan));
    }

    public String upstreamHost() {
        String v = upstreamHost;
        return v != null || upstreamHostSpan == NONE ? v : (upstreamHost = decode(upstreamHostSpan));
    }

    public String upstreamCluster() {
        return upstreamCluster;
    }

    public String upstreamLocalAddress() {
        String v = upstreamLocalAddress;
        return v != null || upstreamLocalAddressSpan == NONE
                ? v
                : (upstreamLocalAddress = decode(upstreamLocalAddressSpan));
    }

    public String downstreamLocalAddress() {
        String v = downstreamLocalAddress;
        return v != null || downstreamLocalAddressSpan == NONE
                ? v
                : (downstreamLocalAddress = decode(downstreamLocalAddressSpan));
    }

    public String downstreamRemoteAddress() {
        String v = downstreamRemoteAddress;
        return v != null || downstreamRemoteAddressSpan == NONE
                ? v
                : (downstreamRemoteAddress = decode(downstreamRemoteAddressSpan));
    }

    public String requestedServerName() {
        String v = requestedServerName;
        return v != null || requestedServerNameSpan == NONE
                ? v
                : (requestedServerName = decode(requestedServerNameSpan));
    }

    public String routeName() {
        String v = routeName;
        return v != null || routeNameSpan == NONE ? v : (routeName = decode(routeNameSpan));
    }

    public Direction direction() {
        return direction;
    }

    public String failureClass() {
        return failureClass;
    }

    public String cause() {
        return cause;
    }

    public String rbacPolicy() {
        return rbacPolicy;
    }

    /** True unless the class is NONE, APP_4XX or DI (see {@link FailureClass#isFailure}). */
    public boolean isFailure() {
        return FailureClass.isFailure(failureClass);
    }

    /** Equal when all thirty components are equal, as for the record it was (lazy values are decoded to compare). */
    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof AccessLogRecord)) return false;
        AccessLogRecord r = (AccessLogRecord) o;
        return format == r.format
                && startTimeMillis == r.startTimeMillis
                && Objects.equals(startTime(), r.startTime())
                && Objects.equals(method, r.method)
                && Objects.equals(path(), r.path())
                && Objects.equals(protocol, r.protocol)
                && responseCode == r.responseCode
                && responseFlags.equals(r.responseFlags)
                && Objects.equals(responseCodeDetails, r.responseCodeDetails)
                && Objects.equals(connectionTerminationDetails, r.connectionTerminationDetails)
                && Objects.equals(upstreamTransportFailureReason(), r.upstreamTransportFailureReason())
                && bytesReceived == r.bytesReceived
                && bytesSent == r.bytesSent
                && durationMs == r.durationMs
                && Objects.equals(upstreamServiceTimeMs, r.upstreamServiceTimeMs)
                && Objects.equals(xForwardedFor(), r.xForwardedFor())
                && Objects.equals(userAgent(), r.userAgent())
                && Objects.equals(requestId(), r.requestId())
                && Objects.equals(authority(), r.authority())
                && Objects.equals(upstreamHost(), r.upstreamHost())
                && Objects.equals(upstreamCluster, r.upstreamCluster)
                && Objects.equals(upstreamLocalAddress(), r.upstreamLocalAddress())
                && Objects.equals(downstreamLocalAddress(), r.downstreamLocalAddress())
                && Objects.equals(downstreamRemoteAddress(), r.downstreamRemoteAddress())
                && Objects.equals(requestedServerName(), r.requestedServerName())
                && Objects.equals(routeName(), r.routeName())
                && direction == r.direction
                && Objects.equals(failureClass, r.failureClass)
                && Objects.equals(cause, r.cause)
                && Objects.equals(rbacPolicy, r.rbacPolicy);
    }

    @Override
    public int hashCode() {
        int h = format.hashCode();
        h = 31 * h + Long.hashCode(startTimeMillis);
        h = 31 * h + Objects.hashCode(startTime());
        h = 31 * h + Objects.hashCode(method);
        h = 31 * h + Objects.hashCode(path());
        h = 31 * h + Objects.hashCode(protocol);
        h = 31 * h + responseCode;
        h = 31 * h + responseFlags.hashCode();
        h = 31 * h + Objects.hashCode(responseCodeDetails);
        h = 31 * h + Objects.hashCode(connectionTerminationDetails);
        h = 31 * h + Objects.hashCode(upstreamTransportFailureReason());
        h = 31 * h + Long.hashCode(bytesReceived);
        h = 31 * h + Long.hashCode(bytesSent);
        h = 31 * h + Long.hashCode(durationMs);
        h = 31 * h + Objects.hashCode(upstreamServiceTimeMs);
        h = 31 * h + Objects.hashCode(xForwardedFor());
        h = 31 * h + Objects.hashCode(userAgent());
        h = 31 * h + Objects.hashCode(requestId());
        h = 31 * h + Objects.hashCode(authority());
        h = 31 * h + Objects.hashCode(upstreamHost());
        h = 31 * h + Objects.hashCode(upstreamCluster);
        h = 31 * h + Objects.hashCode(upstreamLocalAddress());
        h = 31 * h + Objects.hashCode(downstreamLocalAddress());
        h = 31 * h + Objects.hashCode(downstreamRemoteAddress());
        h = 31 * h + Objects.hashCode(requestedServerName());
        h = 31 * h + Objects.hashCode(routeName());
        h = 31 * h + direction.hashCode();
        h = 31 * h + Objects.hashCode(failureClass);
        h = 31 * h + Objects.hashCode(cause);
        return 31 * h + Objects.hashCode(rbacPolicy);
    }

    /** The record's own format: {@code AccessLogRecord[format=TEXT, startTimeMillis=..., ...]}. */
    @Override
    public String toString() {
        return "AccessLogRecord[format=" + format
                + ", startTimeMillis=" + startTimeMillis
                + ", startTime=" + startTime()
                + ", method=" + method
                + ", path=" + path()
                + ", protocol=" + protocol
                + ", responseCode=" + responseCode
                + ", responseFlags=" + responseFlags
                + ", responseCodeDetails=" + responseCodeDetails
                + ", connectionTerminationDetails=" + connectionTerminationDetails
                + ", upstreamTransportFailureReason=" + upstreamTransportFailureReason()
                + ", bytesReceived=" + bytesReceived
                + ", bytesSent=" + bytesSent
                + ", durationMs=" + durationMs
                + ", upstreamServiceTimeMs=" + upstreamServiceTimeMs
                + ", xForwardedFor=" + xForwardedFor()
                + ", userAgent=" + userAgent()
                + ", requestId=" + requestId()
                + ", authority=" + authority()
                + ", upstreamHost=" + upstreamHost()
                + ", upstreamCluster=" + upstreamCluster
                + ", upstreamLocalAddress=" + upstreamLocalAddress()
                + ", downstreamLocalAddress=" + downstreamLocalAddress()
                + ", downstreamRemoteAddress=" + downstreamRemoteAddress()
                + ", requestedServerName=" + requestedServerName()
                + ", routeName=" + routeName()
                + ", direction=" + direction
                + ", failureClass=" + failureClass
                + ", cause=" + cause
                + ", rbacPolicy=" + rbacPolicy
                + "]";
    }
}

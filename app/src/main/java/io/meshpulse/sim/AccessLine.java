package io.meshpulse.sim;

/**
 * The fields of one Envoy access-log entry, as Istio's default format prints them. Null means unset (printed
 * {@code -} in TEXT, {@code null} in typed JSON). {@code protocol == null} marks a TCP (tcp_proxy) entry.
 */
final class AccessLine {
    long startMillis;
    String method;
    String path;
    String protocol;
    int code;
    String flags;
    String details;
    String termination;
    String transportFailure;
    long bytesReceived;
    long bytesSent;
    long durationMillis;
    long upstreamServiceTime = -1; // -1 = unset
    String xff;
    String userAgent;
    String requestId;
    String authority;
    String upstreamHost;
    String cluster;
    String upstreamLocal;
    String downstreamLocal;
    String downstreamRemote;
    String sni;
    String route;

    boolean isTcp() {
        return protocol == null;
    }

    static AccessLine tcp() {
        return new AccessLine();
    }
}

package io.meshpulse.topology.attribute;

import io.meshpulse.topology.parse.AccessLogRecord;
import io.meshpulse.topology.parse.Direction;

/**
 * Puts a line on a pair in Istio's vocabulary. The emitting pod is one end of the call: the source when its
 * sidecar logged the request on the way out (or it is a gateway), the destination when it logged it on the
 * way in. The other end comes from the line: the cluster name or the host for an outbound line, the caller's
 * address for an inbound one.
 */
public final class Attribution {
    private Attribution() {}

    public static LinePair of(AccessLogRecord r, String podNamespace, String podWorkload) {
        return of(r, podNamespace, podWorkload, null);
    }

    /**
     * As {@link #of(AccessLogRecord, String, String)}; with the emitting {@code pod} given, a server-side line that
     * names no service keeps the pod and the port it was reached on, for {@link ServedServices} to fill in later.
     */
    public static LinePair of(AccessLogRecord r, String podNamespace, String podWorkload, String pod) {
        String cluster = r.upstreamCluster();
        boolean waypoint = cluster != null && cluster.startsWith("inbound-vip|");
        if (r.direction() == Direction.INBOUND && !isGateway(podWorkload)) {
            String callerIp = Hosts.ip(r.downstreamRemoteAddress());
            if (waypoint) {
                String fqdn = Hosts.fqdnOfCluster(cluster);
                return new LinePair(false, null, null, callerIp, Hosts.namespaceOf(fqdn), fqdn, null, null);
            }
            String service = Hosts.fqdnOfIstioSni(r.requestedServerName());
            if (service == null) {
                service = Hosts.canonicalService(Hosts.hostOfAuthority(r.authority()), podNamespace);
            }
            if (service == null && pod != null) {
                return new LinePair(false, null, null, callerIp, podNamespace, null, podWorkload, null, pod,
                        servedPort(r));
            }
            return new LinePair(false, null, null, callerIp, podNamespace, service, podWorkload, null);
        }
        if (cluster != null && cluster.startsWith("outbound|")) {
            String fqdn = Hosts.fqdnOfCluster(cluster);
            return new LinePair(true, podNamespace, podWorkload, null, Hosts.namespaceOf(fqdn), fqdn, null,
                    Hosts.ip(r.upstreamHost()));
        }
        String host = Hosts.hostOfAuthority(r.authority());
        if (host == null) host = r.requestedServerName();
        if (host == null) host = Hosts.ip(r.upstreamHost());
        if (host == null) host = Hosts.ip(r.downstreamLocalAddress());
        String service = Hosts.canonicalService(host, podNamespace);
        return new LinePair(true, podNamespace, podWorkload, null, Hosts.namespaceOf(service), service, null, null);
    }

    /**
     * The service a server-side line shows its pod is called through, to learn from ({@link ServedServices}); null
     * when the line teaches nothing. Only a Service of the pod's own namespace counts (a Service selects pods of its
     * namespace only; anything else in an authority is a name the caller chose), and not from a line the proxy
     * could not route (NR), whose authority may be anything.
     */
    public static String servedService(AccessLogRecord r, LinePair p, String podNamespace) {
        if (p.sourceReporter() || p.destinationWorkload() == null || p.destinationService() == null) return null;
        if (podNamespace == null || !podNamespace.equals(Hosts.namespaceOf(p.destinationService()))) return null;
        if (r.responseFlags().contains("NR")) return null;
        return p.destinationService();
    }

    /**
     * The port a server-side line was received on: the downstream local address's (the pod's own address and the
     * container port the caller reached), else the inbound cluster's. Not the port in an SNI: that is the Service's
     * port, which a line without an SNI does not carry.
     */
    public static String servedPort(AccessLogRecord r) {
        String port = Hosts.port(r.downstreamLocalAddress());
        return port != null ? port : Hosts.portOfInboundCluster(r.upstreamCluster());
    }

    /**
     * Whether the workload is an Istio gateway (the default ingress and egress gateways, the AKS add-on's
     * {@code aks-istio-ingressgateway-…}, the Helm gateway chart's usual releases {@code istio-ingress…} and
     * {@code istio-egress…}, and Gateway API deployments, which Istio names {@code <gateway>-istio}).
     * Every line of a gateway is reported by the source, the gateway, even one the parser reads as inbound: a
     * {@code filter_chain_not_found} connection (a client's SNI matches no server of the gateway) has no cluster
     * to tell, and put on the destination side it made a pair of every external client's IP. The name is all there
     * is to go by; a plain {@code -gateway} suffix is left out, since applications are often called that.
     */
    public static boolean isGateway(String workload) {
        return workload != null && (workload.contains("ingressgateway") || workload.contains("egressgateway")
                || workload.startsWith("istio-ingress") || workload.startsWith("istio-egress")
                || workload.endsWith("-istio"));
    }

    /** An {@link #isGateway} workload that is not an egress gateway (by the same names). */
    public static boolean isIngressGateway(String workload) {
        return isGateway(workload) && !workload.contains("egress");
    }

    /** The pod's own IP, when the line reveals it: where the server sidecar was reached, or where a client dialled from. */
    public static String ownIp(AccessLogRecord r) {
        String ip = r.direction() == Direction.INBOUND
                ? Hosts.ip(r.downstreamLocalAddress())
                : Hosts.ip(r.upstreamLocalAddress());
        return Hosts.isLoopbackOrUnspecified(ip) ? null : ip;
    }
}

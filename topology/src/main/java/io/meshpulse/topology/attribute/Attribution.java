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

    /** The pod's own IP, when the line reveals it: where the server sidecar was reached, or where a client dialled from. */
    public static String ownIp(AccessLogRecord r) {
        String ip = r.direction() == Direction.INBOUND
                ? Hosts.ip(r.downstreamLocalAddress())
                : Hosts.ip(r.upstreamLocalAddress());
        return Hosts.isLoopbackOrUnspecified(ip) ? null : ip;
    }
}

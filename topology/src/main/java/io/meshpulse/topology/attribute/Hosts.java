package io.meshpulse.topology.attribute;

/** Addresses and host names as Envoy prints them, reduced to what pair attribution needs. */
public final class Hosts {
    private static final String CLUSTER_SUFFIX = ".svc.cluster.local";

    private Hosts() {}

    /**
     * The IP of an {@code ip:port} or {@code [v6]:port} address; null for {@code -}, Envoy internal addresses
     * ({@code envoy://…}), unix sockets, or anything that is not an address.
     */
    public static String ip(String address) {
        if (address == null || address.isEmpty()) return null;
        char c0 = address.charAt(0);
        if (c0 == '[') {
            int close = address.indexOf(']');
            return close > 1 ? address.substring(1, close) : null;
        }
        if (!(c0 >= '0' && c0 <= '9')) return null;
        int colon = address.lastIndexOf(':');
        String ip = colon < 0 ? address : address.substring(0, colon);
        return ip.indexOf(':') >= 0 ? null : ip; // an unbracketed v6 is ambiguous
    }

    /** The port of an {@code ip:port} or {@code [v6]:port} address; null when there is none. */
    public static String port(String address) {
        if (ip(address) == null) return null;
        int colon = address.lastIndexOf(':');
        int close = address.lastIndexOf(']');
        if (colon < 0 || colon < close || colon == address.length() - 1) return null;
        for (int i = colon + 1; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c < '0' || c > '9') return null;
        }
        return address.substring(colon + 1);
    }

    /** The port of an inbound cluster {@code inbound|PORT|…} (the container's port from Istio 1.8.1 on); null otherwise. */
    public static String portOfInboundCluster(String cluster) {
        if (cluster == null || !cluster.startsWith("inbound|")) return null;
        int end = cluster.indexOf('|', 8);
        if (end <= 8) return null;
        for (int i = 8; i < end; i++) {
            char c = cluster.charAt(i);
            if (c < '0' || c > '9') return null;
        }
        return cluster.substring(8, end);
    }

    /**
     * Whether a host, as {@link #hostOfAuthority} and {@link #canonicalService} leave it (no port, no brackets), is an
     * IPv4 or IPv6 address rather than a name.
     */
    public static boolean isIpLiteral(String host) {
        if (host == null || host.isEmpty()) return false;
        if (host.indexOf(':') >= 0) { // only a v6 address has a colon once the port is gone
            for (int i = 0; i < host.length(); i++) {
                char c = host.charAt(i);
                if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) return false;
            }
            return true;
        }
        int dots = 0;
        int digits = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '.') {
                if (digits == 0) return false;
                dots++;
                digits = 0;
            } else if (c >= '0' && c <= '9' && digits < 3) {
                digits++;
            } else {
                return false;
            }
        }
        return dots == 3 && digits > 0;
    }

    public static boolean isLoopbackOrUnspecified(String ip) {
        return ip == null || ip.startsWith("127.") || ip.equals("0.0.0.0") || ip.equals("::1") || ip.equals("::");
    }

    /** The host of an authority ({@code host:port}, {@code [v6]:port} or bare host), lower-cased; null for none. */
    public static String hostOfAuthority(String authority) {
        if (authority == null || authority.isEmpty()) return null;
        if (authority.charAt(0) == '[') {
            int close = authority.indexOf(']');
            return close > 1 ? authority.substring(1, close) : null;
        }
        int colon = authority.lastIndexOf(':');
        String host = colon < 0 ? authority : authority.substring(0, colon);
        return host.isEmpty() ? null : host.toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * A host canonicalised the way Kubernetes DNS resolves it from a pod in {@code podNamespace}: a name without a
     * dot is a Service in the pod's namespace, and so is {@code name.<the pod's namespace>} (the search path makes
     * both the same Service as its FQDN, which mTLS lines name through their SNI: without this a plaintext caller
     * using the short form split one Service in two); {@code svc.ns.svc} gains the cluster suffix; anything else (an
     * external host, an IP, {@code name.ns} for another namespace, which could as well be an external domain) stays
     * as it is.
     */
    public static String canonicalService(String host, String podNamespace) {
        if (host == null) return null;
        if (host.indexOf(':') < 0 && podNamespace != null) {
            int dot = host.indexOf('.');
            if (dot < 0) return host + "." + podNamespace + CLUSTER_SUFFIX;
            if (dot > 0 && host.length() - dot - 1 == podNamespace.length() && host.endsWith(podNamespace)) {
                return host + CLUSTER_SUFFIX;
            }
        }
        if (host.endsWith(".svc")) return host + ".cluster.local";
        return host;
    }

    /** The namespace of a Service FQDN ({@code name.ns.svc.cluster.local}, wildcards included); null otherwise. */
    public static String namespaceOf(String fqdn) {
        if (fqdn == null || !fqdn.endsWith(CLUSTER_SUFFIX)) return null;
        int end = fqdn.length() - CLUSTER_SUFFIX.length();
        int start = fqdn.lastIndexOf('.', end - 1);
        if (start < 0) return null;
        return fqdn.substring(start + 1, end);
    }

    /** The FQDN inside an Istio mTLS SNI {@code outbound_.PORT_.SUBSET_.FQDN}; null when the SNI is not one. */
    public static String fqdnOfIstioSni(String sni) {
        if (sni == null || !sni.startsWith("outbound_.")) return null;
        int portEnd = sni.indexOf("_.", 10);
        if (portEnd < 0) return null;
        int subsetEnd = sni.indexOf("_.", portEnd + 2);
        if (subsetEnd < 0) return null;
        String fqdn = sni.substring(subsetEnd + 2);
        return fqdn.isEmpty() ? null : fqdn;
    }

    /** The FQDN of an Istio cluster {@code outbound|PORT|SUBSET|FQDN} or {@code inbound-vip|PORT|PROTO|FQDN}. */
    public static String fqdnOfCluster(String cluster) {
        if (cluster == null) return null;
        int p1 = cluster.indexOf('|');
        if (p1 < 0) return null;
        int p2 = cluster.indexOf('|', p1 + 1);
        if (p2 < 0) return null;
        int p3 = cluster.indexOf('|', p2 + 1);
        if (p3 < 0 || p3 == cluster.length() - 1) return null;
        return cluster.substring(p3 + 1);
    }
}

package io.meshpulse.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applies the attribution and classification rules (the contract with the topology) to each access-log entry
 * as it is written, from the entry's fields and the emitting pod, and sums per pair. Written independently of
 * the meshpulse parser/classifier.
 *
 * <p>Reporter: {@code destination} for a non-gateway pod's entries whose cluster starts with {@code inbound|} or
 * whose details are {@code filter_chain_not_found}; {@code source} otherwise.
 *
 * <p>A {@code destination} entry that names no service (no SNI, no authority: a plaintext caller refused with NR
 * filter_chain_not_found, a plaintext TCP connection) takes the one service its own pod's other inbound entries
 * named on the same port (the downstream local address's, else the {@code inbound|PORT||} cluster's) and that was
 * first seen before the end of the entry's window ({@link #WINDOW_MILLIS}); none when there were several. Entries
 * that teach are a non-gateway pod's inbound entries without NR whose service is in the pod's namespace. (The
 * topology also forgets a service unseen for 6 hours; no simulation is that long.)
 *
 * <p>Class: EGRESS_BLOCKED (route {@code block_all} or cluster {@code BlackHoleCluster}); RBAC (403 with
 * details starting {@code rbac_access_denied}, or termination details starting so); else the first flag in
 * {@link #FLAG_PRIORITY}; else APP_5XX / APP_4XX by code; else NONE (not counted in byClass).
 */
final class TruthRecorder {

    static final List<String> FLAG_PRIORITY = List.of(
            "UF", "UC", "UH", "UT", "UO", "NR", "NC", "LR", "UR", "UPE", "UMSDR", "DT", "DF", "DO", "UDO",
            "OM", "LH", "UAEX", "RL", "RLSE", "FI", "DC", "DR", "DPE", "SI", "IH", "NFCF", "RFCF", "URX", "DI");
    static final List<String> CLASSES;
    private static final Map<String, Integer> CLASS_INDEX = new HashMap<>();

    static {
        List<String> c = new ArrayList<>();
        c.add("EGRESS_BLOCKED");
        c.add("RBAC");
        c.addAll(FLAG_PRIORITY);
        c.add("APP_5XX");
        c.add("APP_4XX");
        CLASSES = List.copyOf(c);
        for (int i = 0; i < CLASSES.size(); i++) CLASS_INDEX.put(CLASSES.get(i), i);
    }

    /** The window the topology resolves a service-less entry's service in: replay's default, which the tests use. */
    static final long WINDOW_MILLIS = 10_000;

    /**
     * Pre-resolution key: pods are resolved at the end (a pod counts as known once it wrote any access line), and so is
     * the service of a destination entry that names none ({@code servedPod} ≥ 0: the emitting pod, the port it was
     * reached on and the end of the entry's window).
     */
    private record RawKey(boolean destinationReporter, String srcNs, String srcWorkload, int srcPod, String dstNs,
                          String dstService, String dstWorkload, int dstPod, int servedPod, String servedPort,
                          long windowEnd) {
        RawKey(boolean destinationReporter, String srcNs, String srcWorkload, int srcPod, String dstNs,
               String dstService, String dstWorkload, int dstPod) {
            this(destinationReporter, srcNs, srcWorkload, srcPod, dstNs, dstService, dstWorkload, dstPod, -1, null, 0);
        }
    }

    /** Per pod id and port: each service its inbound entries named there, with the earliest start that named it. */
    private final Map<Integer, Map<String, Map<String, Long>>> served = new HashMap<>();

    private final Map<String, SimPod> podByIp;
    private final List<SimPod> pods;
    private final Map<RawKey, long[]> counts = new HashMap<>();
    /** Derived strings per distinct input (cluster, SNI, authority): few distinct values, many lines. */

    TruthRecorder(List<SimPod> pods, Map<String, SimPod> podByIp) {
        this.pods = pods;
        this.podByIp = podByIp;
    }

    /** Class of an entry, or null for NONE. */
    static String classify(AccessLine l) {
        if ("block_all".equals(l.route) || "BlackHoleCluster".equals(l.cluster)) return "EGRESS_BLOCKED";
        if (l.code == 403 && l.details != null && l.details.startsWith("rbac_access_denied")) return "RBAC";
        if (l.termination != null && l.termination.startsWith("rbac_access_denied")) return "RBAC";
        if (l.flags != null && !l.flags.isEmpty() && !"-".equals(l.flags)) {
            String[] fs = l.flags.split(",");
            for (String p : FLAG_PRIORITY) {
                for (String f : fs) {
                    if (p.equals(f)) return p;
                }
            }
            throw new IllegalStateException("unknown flag in " + l.flags);
        }
        if (l.code >= 500 && l.code <= 599) return "APP_5XX";
        if (l.code >= 400 && l.code <= 499) return "APP_4XX";
        return null;
    }

    void record(SimPod emitter, AccessLine l) {
        String cls = classify(l);
        RawKey key = attribute(emitter, l);
        long[] c = counts.computeIfAbsent(key, k -> new long[1 + CLASSES.size()]);
        c[0]++;
        if (cls != null) c[1 + CLASS_INDEX.get(cls)]++;
    }

    private RawKey attribute(SimPod emitter, AccessLine l) {
        String ns = emitter.namespace();
        boolean inbound = !emitter.workload.isGateway()
                && ((l.cluster != null && l.cluster.startsWith("inbound|"))
                || "filter_chain_not_found".equals(l.details));
        if (inbound) {
            String service = l.sni == null ? null : derive('s', l.sni, ns)[0];
            if (service == null && l.authority != null) service = derive('a', l.authority, ns)[0];
            String port = portOf(l.downstreamLocal);
            if (port == null && l.cluster != null && l.cluster.startsWith("inbound|")) {
                port = l.cluster.substring(8, l.cluster.indexOf('|', 8));
            }
            boolean noRoute = l.flags != null && java.util.Arrays.asList(l.flags.split(",")).contains("NR");
            if (service != null && ns.equals(namespaceOfFqdn(service)) && !noRoute) {
                served.computeIfAbsent(emitter.id, k -> new HashMap<>()).computeIfAbsent(port, k -> new HashMap<>())
                        .merge(service, l.startMillis, Math::min);
            }
            int servedPod = service == null ? emitter.id : -1;
            long windowEnd = service == null ? l.startMillis - Math.floorMod(l.startMillis, WINDOW_MILLIS) + WINDOW_MILLIS : 0;
            String servedPort = service == null ? port : null;
            String callerIp = hostOf(l.downstreamRemote);
            SimPod caller = callerIp == null ? null : podByIp.get(callerIp);
            if (caller != null && caller.hasProxy()) {
                return new RawKey(true, null, null, caller.id, ns, service, emitter.workload.name(), -1, servedPod,
                        servedPort, windowEnd);
            }
            return new RawKey(true, null, callerIp, -1, ns, service, emitter.workload.name(), -1, servedPod, servedPort,
                    windowEnd);
        }
        String srcWl = emitter.workload.name();
        if (l.cluster != null && l.cluster.startsWith("outbound|")) {
            String[] d = derive('c', l.cluster, ns);
            String upIp = hostOf(l.upstreamHost);
            SimPod b = upIp == null ? null : podByIp.get(upIp);
            int bId = b != null && b.hasProxy() ? b.id : -1;
            return new RawKey(false, ns, srcWl, -1, d[1], d[0], null, bId);
        }
        String dstNs = null;
        String service = null;
        if (l.authority != null) {
            String host = hostOf(l.authority);
            if (host.indexOf('.') < 0) {
                dstNs = ns;
                service = host + "." + ns + ".svc.cluster.local";
            } else {
                service = host;
            }
        } else if (l.sni != null) {
            service = l.sni;
        } else if (l.upstreamHost != null) {
            service = hostOf(l.upstreamHost);
        } else if (l.downstreamLocal != null) {
            service = hostOf(l.downstreamLocal);
        }
        return new RawKey(false, ns, srcWl, -1, dstNs, service, null, -1);
    }

    /**
     * Cached derivations keyed by the identity of the input string (the generator reuses one instance per edge),
     * with the namespace the result was computed for: 's' SNI → {fqdn}; 'a' authority → {canonical host};
     * 'c' outbound cluster → {fqdn, namespace}.
     */
    private final Map<String, Object[]> sniCache = new IdentityHashMap<>();
    private final Map<String, Object[]> authorityCache = new IdentityHashMap<>();
    private final Map<String, Object[]> clusterCache = new IdentityHashMap<>();

    private String[] derive(char kind, String value, String ns) {
        Map<String, Object[]> cache = kind == 's' ? sniCache : kind == 'a' ? authorityCache : clusterCache;
        Object[] hit = cache.get(value);
        if (hit != null && hit[0] == ns) return (String[]) hit[1];
        String[] d = switch (kind) {
            case 's' -> new String[] {fqdnFromSni(value)};
            case 'a' -> new String[] {canonicalHost(hostOf(value), ns)};
            default -> {
                String fqdn = value.substring(value.indexOf('|', value.indexOf('|', 9) + 1) + 1);
                yield new String[] {fqdn, namespaceOfFqdn(fqdn)};
            }
        };
        if (hit == null) cache.put(value, new Object[] {ns, d});
        return d;
    }

    static String fqdnFromSni(String sni) {
        if (sni == null || !sni.startsWith("outbound_.")) return null;
        int p = sni.indexOf("_.", 10);           // after the port
        if (p < 0) return null;
        int q = sni.indexOf("_.", p + 2);        // after the subset
        if (q < 0 || q + 2 >= sni.length()) return null;
        return sni.substring(q + 2);
    }

    static String canonicalHost(String host, String ns) {
        if (host == null) return null;
        return host.indexOf('.') < 0 ? host + "." + ns + ".svc.cluster.local" : host;
    }

    static String namespaceOfFqdn(String fqdn) {
        if (fqdn == null || !fqdn.endsWith(".svc.cluster.local")) return null;
        String head = fqdn.substring(0, fqdn.length() - ".svc.cluster.local".length());
        int dot = head.indexOf('.');
        return dot > 0 && dot < head.length() - 1 && head.indexOf('.', dot + 1) < 0 ? head.substring(dot + 1) : null;
    }

    /** The service a pod's entries named on {@code port} (any port when null) first before {@code windowEnd}, if only one. */
    private String servedAt(int pod, String port, long windowEnd) {
        Map<String, Map<String, Long>> byPort = served.get(pod);
        if (byPort == null) return null;
        String found = null;
        for (Map.Entry<String, Map<String, Long>> p : byPort.entrySet()) {
            if (port != null && p.getKey() != null && !p.getKey().equals(port)) continue;
            for (Map.Entry<String, Long> e : p.getValue().entrySet()) {
                if (e.getValue() >= windowEnd) continue;
                if (found != null && !found.equals(e.getKey())) return null;
                found = e.getKey();
            }
        }
        return found;
    }

    /** The port of {@code ip:port} or {@code [v6]:port}; null when there is none. */
    static String portOf(String addr) {
        if (addr == null) return null;
        int c = addr.lastIndexOf(':');
        if (c < 0 || c == addr.length() - 1 || (addr.indexOf(':') != c && !addr.startsWith("["))) return null;
        for (int i = c + 1; i < addr.length(); i++) {
            if (!Character.isDigit(addr.charAt(i))) return null;
        }
        return addr.substring(c + 1);
    }

    /** Host part of {@code host:port}, {@code [v6]:port} or a bare host; null for null. */
    static String hostOf(String addr) {
        if (addr == null) return null;
        if (addr.startsWith("[")) {
            int e = addr.indexOf(']');
            return e < 0 ? addr : addr.substring(1, e);
        }
        int c = addr.lastIndexOf(':');
        if (c < 0 || addr.indexOf(':') != c) return addr;
        for (int i = c + 1; i < addr.length(); i++) {
            if (!Character.isDigit(addr.charAt(i))) return addr;
        }
        return addr.substring(0, c);
    }

    /** Resolves pods and merges keys: the final per-pair truth, sorted. */
    List<SimResult.Pair> pairs() {
        Map<List<Object>, long[]> merged = new HashMap<>();
        Map<List<Object>, SimResult.Pair> shape = new HashMap<>();
        for (Map.Entry<RawKey, long[]> e : counts.entrySet()) {
            RawKey k = e.getKey();
            SimResult.Source src;
            if (k.srcPod() >= 0) {
                SimPod p = pods.get(k.srcPod());
                src = p.accessLines > 0 ? new SimResult.Source(p.namespace(), p.workload.name())
                        : new SimResult.Source(null, p.ip);
            } else {
                src = new SimResult.Source(k.srcNs(), k.srcWorkload());
            }
            String dstWl = k.dstWorkload();
            if (k.dstPod() >= 0) {
                SimPod p = pods.get(k.dstPod());
                dstWl = p.accessLines > 0 ? p.workload.name() : null;
            }
            String service = k.servedPod() >= 0 ? servedAt(k.servedPod(), k.servedPort(), k.windowEnd()) : k.dstService();
            SimResult.Destination dst = new SimResult.Destination(k.dstNs(), service, dstWl);
            String reporter = k.destinationReporter() ? "destination" : "source";
            List<Object> id = java.util.Arrays.asList(reporter, src, dst);
            long[] acc = merged.computeIfAbsent(id, x -> new long[1 + CLASSES.size()]);
            for (int i = 0; i < acc.length; i++) acc[i] += e.getValue()[i];
            shape.putIfAbsent(id, new SimResult.Pair(reporter, src, dst, 0, Map.of()));
        }
        List<SimResult.Pair> out = new ArrayList<>();
        for (Map.Entry<List<Object>, long[]> e : merged.entrySet()) {
            SimResult.Pair s = shape.get(e.getKey());
            long[] acc = e.getValue();
            Map<String, Long> byClass = new TreeMap<>();
            for (int i = 0; i < CLASSES.size(); i++) {
                if (acc[1 + i] > 0) byClass.put(CLASSES.get(i), acc[1 + i]);
            }
            out.add(new SimResult.Pair(s.reporter(), s.source(), s.destination(), acc[0], byClass));
        }
        Comparator<String> nulls = Comparator.nullsFirst(Comparator.naturalOrder());
        out.sort(Comparator.comparing(SimResult.Pair::reporter)
                .thenComparing(p -> p.source().namespace(), nulls)
                .thenComparing(p -> p.source().workload(), nulls)
                .thenComparing(p -> p.destination().namespace(), nulls)
                .thenComparing(p -> p.destination().service(), nulls)
                .thenComparing(p -> p.destination().workload(), nulls));
        return out;
    }
}

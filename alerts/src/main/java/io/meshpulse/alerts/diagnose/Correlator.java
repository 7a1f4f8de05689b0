package io.meshpulse.alerts.diagnose;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.stream.Observation;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.topology.attribute.Attribution;
import io.meshpulse.topology.attribute.Hosts;
import io.meshpulse.topology.redact.Redactor;
import io.meshpulse.topology.parse.AccessLogParser;
import io.meshpulse.topology.parse.AccessLogRecord;
import io.meshpulse.topology.parse.ParseResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evidence across signals: given one (pair, class) that fires and every observation of the same window that the
 * task holds (all pairs into the same destination namespace), finds what the other reporter and the other callers
 * saw, and reads the exemplar lines for the cause keyword, the policy name and the port.
 */
public final class Correlator {
    /** Cause keywords used to pick catalog entries. */
    public static final String FILTER_CHAIN = "filter_chain_not_found";
    public static final String ROUTE_NOT_FOUND = "route_not_found";
    public static final String POLICY_NAMED = "policy-named";
    public static final String POLICY_NONE = "policy-none";

    private final AlertSettings settings;
    private final AccessLogParser parser = new AccessLogParser();

    public Correlator(AlertSettings settings) {
        this.settings = settings;
    }

    /** What was found: signals for the catalog, placeholder values, the cause keyword, and exemplar lines. */
    public record Findings(Set<String> signals, Map<String, String> facts, String cause, List<String> exemplars) {}

    public Findings correlate(Observation o, String failureClass, List<Observation> window, double baseline) {
        PairWindowStats s = o.stats();
        Set<String> signals = new HashSet<>();
        Map<String, String> f = new HashMap<>();
        names(s, f);
        long n = s.requests();
        long k = o.count(failureClass);
        f.put("class", failureClass);
        f.put("requests", Long.toString(n));
        f.put("failures", Long.toString(k));
        f.put("ratio", percent(n == 0 ? 0 : (double) k / n));
        f.put("baseline", percent(baseline));

        List<AccessLogRecord> lines = parse(o.exemplars(failureClass));
        String cause = causeOf(o, failureClass, lines);
        for (AccessLogRecord r : lines) {
            String port = portOf(r.upstreamCluster());
            if (port != null) {
                f.put("port", port);
                break;
            }
        }
        if (!f.containsKey("port") && "destination".equals(s.reporter())) {
            // a connection the server refused (NR filter_chain_not_found) has no cluster; the port it reached is in
            // its local address, the same container port an inbound cluster names
            for (AccessLogRecord r : lines) {
                String port = Hosts.port(r.downstreamLocalAddress());
                if (port != null) {
                    f.put("port", port);
                    break;
                }
            }
        }
        if ("RBAC".equals(failureClass)) {
            for (AccessLogRecord r : lines) {
                String p = io.meshpulse.topology.parse.Classifier.rbacPolicy(
                        r.responseCodeDetails() != null && r.responseCodeDetails().startsWith("rbac")
                                ? r.responseCodeDetails() : r.connectionTerminationDetails());
                if (p != null) {
                    int slash = p.indexOf('/');
                    f.put("policyNamespace", p.substring(0, slash));
                    f.put("policy", p.substring(slash + 1));
                    signals.add(POLICY_NAMED);
                    break;
                }
            }
            if (!signals.contains(POLICY_NAMED) && !lines.isEmpty()) signals.add(POLICY_NONE);
            cause = signals.contains(POLICY_NAMED) ? POLICY_NAMED : signals.contains(POLICY_NONE) ? POLICY_NONE : null;
        }

        // The other reporter's view of the same calls.
        Observation peer = null;
        for (Observation w : window) {
            if (w != o && Pairs.peers(s, w.stats())) {
                peer = w;
                break;
            }
        }
        if (peer == null) {
            // Calls the server side did not log never reached its sidecar. Not said of a silence (there are no
            // calls) nor of a destination outside the mesh (there is no server sidecar).
            boolean calls = !"SILENCE".equals(failureClass);
            boolean meshed = s.destination().namespace() != null && !"EGRESS_BLOCKED".equals(failureClass)
                    && !"EGRESS_AUDIT".equals(failureClass);
            if ("source".equals(s.reporter()) && calls && meshed) signals.add("peer-silent");
        } else {
            switch (failureClass) {
                case "UC" -> {
                    long nr = peer.count("NR");
                    if (nr > 0 && FILTER_CHAIN.equals(causeOf(peer, "NR", parse(peer.exemplars("NR"))))) {
                        signals.add("peer-filter-chain");
                        f.put("peerCount", Long.toString(nr));
                    } else if (peer.stats().requests() > 0) {
                        signals.add("peer-no-filter-chain");
                    }
                }
                case "UT" -> {
                    if (peer.count("DC") > 0) {
                        signals.add("peer-dc");
                        f.put("peerCount", Long.toString(peer.count("DC")));
                    }
                }
                case "DC" -> {
                    if (peer.count("UT") > 0) {
                        signals.add("peer-ut");
                        f.put("peerCount", Long.toString(peer.count("UT")));
                    } else if ("source".equals(s.reporter()) && peer.count("DC") > 0) {
                        // The calling app hung up: its sidecar logs DC, and so does the server's.
                        signals.add("peer-also-dc");
                        f.put("peerCount", Long.toString(peer.count("DC")));
                    }
                }
                case "APP_5XX", "URX" -> {
                    if (peer.count("APP_5XX") > 0) signals.add("peer-app-5xx");
                }
                default -> { }
            }
        }

        // Who calls: a caller whose address no sidecar ever claimed has no proxy of its own.
        if (s.source() != null && s.source().namespace() == null) {
            signals.add("caller-without-sidecar");
            signals.add("uninjected-namespace-hint");
        } else if (s.source() != null) {
            signals.add("caller-meshed");
        }

        // The same class for every caller of the destination, or for this one only (same reporter's view).
        Set<String> callers = new LinkedHashSet<>();
        Set<String> affected = new LinkedHashSet<>();
        for (Observation w : window) {
            PairWindowStats x = w.stats();
            if (!x.reporter().equals(s.reporter()) || !Pairs.sameDestination(x.destination(), s.destination())) continue;
            if (x.requests() == 0) continue;
            String caller = Pairs.sourceName(x.source());
            callers.add(caller);
            if ((double) w.count(failureClass) / x.requests() >= settings.minRatio()) affected.add(caller);
        }
        f.put("callers", Integer.toString(callers.size()));
        f.put("affected", Integer.toString(affected.size()));
        f.put("others", Integer.toString(Math.max(0, callers.size() - 1)));
        if (callers.size() >= 2) {
            if (affected.size() == callers.size()) signals.add("all-callers");
            else if (affected.size() == 1) signals.add("one-caller");
        }

        // An ingress gateway's 404 NR for the load balancer's own address (an IP, not a host name): no Gateway
        // serves a bare IP, so no user's route is involved (uptime monitors, scanners), and its entry is an info
        // finding. A host NAME that stops matching a route at the ingress is the classic Gateway/VirtualService
        // host mismatch, every user of that host failing: it pages as any NR does.
        if ("NR".equals(failureClass) && "source".equals(s.reporter()) && ROUTE_NOT_FOUND.equals(cause)
                && s.source() != null && Attribution.isIngressGateway(s.source().workload())
                && s.destination().namespace() == null && Hosts.isIpLiteral(s.destination().service())) {
            signals.add("ingress-unrouted-host");
        }
        if (baseline >= 0.005) signals.add("chronic-baseline");
        if (n > 0 && (double) s.failures() / n >= settings.outageRatio()) signals.add("outage");
        if ("EGRESS_BLOCKED".equals(failureClass)) signals.add("blackhole");
        for (AccessLogRecord r : parse(o.exemplars("NONE"))) {
            if ("PassthroughCluster".equals(r.upstreamCluster())) signals.add("passthrough");
        }

        List<String> ex = new ArrayList<>();
        addExemplars(ex, o.exemplars(failureClass));
        if (peer != null && signals.contains("peer-filter-chain")) addExemplars(ex, peer.exemplars("NR"));
        if (peer != null && (signals.contains("peer-dc") || signals.contains("peer-also-dc"))) {
            addExemplars(ex, peer.exemplars("DC"));
        }
        if (peer != null && signals.contains("peer-ut")) addExemplars(ex, peer.exemplars("UT"));
        return new Findings(signals, f, cause, ex);
    }

    private void addExemplars(List<String> out, List<String> lines) {
        for (String l : lines) {
            if (out.size() >= settings.exemplarsPerAlert()) return;
            out.add(settings.redact() ? Redactor.redact(l) : l);
        }
    }

    /**
     * The cause keyword of a class on a pair: from the exemplar lines when there are some; otherwise inferred for
     * NR from who reported it (a server's inbound listener rejects with code 0 filter_chain_not_found, a client's
     * outbound route table answers 404 route_not_found).
     */
    private static String causeOf(Observation o, String failureClass, List<AccessLogRecord> lines) {
        for (AccessLogRecord r : lines) {
            if (r.cause() != null) return r.cause();
        }
        if ("NR".equals(failureClass)) {
            PairWindowStats s = o.stats();
            boolean noResponse = s.byCodeClass().getOrDefault("0", 0L) > 0;
            return "destination".equals(s.reporter()) && noResponse ? FILTER_CHAIN : ROUTE_NOT_FOUND;
        }
        return null;
    }

    private List<AccessLogRecord> parse(List<String> lines) {
        List<AccessLogRecord> out = new ArrayList<>();
        for (String l : lines) {
            if (parser.parse(l) instanceof ParseResult.Parsed p) out.add(p.record());
        }
        return out;
    }

    static String portOf(String cluster) {
        if (cluster == null) return null;
        String[] p = cluster.split("\\|", -1);
        if (p.length >= 2 && (p[0].equals("outbound") || p[0].equals("inbound")) && !p[1].isEmpty()) return p[1];
        return null;
    }

    static void names(PairWindowStats s, Map<String, String> f) {
        var src = s.source();
        var dst = s.destination();
        f.put("source", Pairs.sourceName(src));
        if (src != null && src.namespace() != null) {
            f.put("sourceNamespace", src.namespace());
            f.put("sourceWorkload", src.workload());
            f.put("sourcePod", podOf(src.namespace(), src.workload()));
        } else if (src != null && src.workload() != null) {
            f.put("callerIp", src.workload());
        }
        f.put("destination", Pairs.destinationName(dst));
        String shortSvc = Pairs.shortService(dst.service());
        String workload = dst.workload() != null ? dst.workload() : shortSvc;
        String host = dst.service() != null ? dst.service()
                : workload != null && dst.namespace() != null ? workload + "." + dst.namespace() + ".svc.cluster.local" : workload;
        if (dst.namespace() != null) f.put("namespace", dst.namespace());
        if (host != null) f.put("host", host);
        if (shortSvc != null) f.put("service", shortSvc);
        else if (workload != null) f.put("service", workload);
        if (workload != null) f.put("workload", workload);
        if (dst.namespace() != null && workload != null) f.put("pod", podOf(dst.namespace(), workload));
        // The sidecar that wrote the lines: the caller's for a client-side view, the server's for a server-side one
        // (a server-side UC or UF is in the server's log; the caller's shows a 503 or a retried 200).
        if ("destination".equals(s.reporter())) {
            if (dst.namespace() != null) f.put("logNamespace", dst.namespace());
            if (dst.workload() != null) f.put("logWorkload", dst.workload());
        } else if (src != null && src.namespace() != null) {
            f.put("logNamespace", src.namespace());
            f.put("logWorkload", src.workload());
        }
    }

    static String podOf(String namespace, String workload) {
        return "$(kubectl get pod -n " + namespace + " -l app=" + workload
                + " -o jsonpath='{.items[0].metadata.name}')";
    }

    public static String percent(double r) {
        double p = r * 100;
        if (p == 0) return "0%";
        if (p < 0.1) return String.format(java.util.Locale.ROOT, "%.2f%%", p);
        String t = String.format(java.util.Locale.ROOT, "%.1f", p);
        return (t.endsWith(".0") ? t.substring(0, t.length() - 2) : t) + "%";
    }
}

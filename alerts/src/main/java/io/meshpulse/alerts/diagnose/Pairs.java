package io.meshpulse.alerts.diagnose;

import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.WorkloadRef;
import java.util.Objects;

/** How two pair views relate: the same call seen by both reporters, or two callers of one destination. */
public final class Pairs {
    private Pairs() {}

    public static String shortService(String service) {
        if (service == null) return null;
        if (service.endsWith(".svc.cluster.local")) {
            int dot = service.indexOf('.');
            return dot > 0 ? service.substring(0, dot) : service;
        }
        return service;
    }

    /** Same destination: same namespace, and the same service, or the same workload, or a service named like the workload. */
    public static boolean sameDestination(ServiceRef a, ServiceRef b) {
        if (!Objects.equals(a.namespace(), b.namespace())) return false;
        if (a.service() != null && b.service() != null) return a.service().equals(b.service());
        if (a.workload() != null && b.workload() != null) return a.workload().equals(b.workload());
        String wa = a.workload() != null ? a.workload() : shortService(a.service());
        String wb = b.workload() != null ? b.workload() : shortService(b.service());
        return wa != null && wa.equals(wb);
    }

    public static boolean sameSource(WorkloadRef a, WorkloadRef b) {
        return Objects.equals(a, b);
    }

    /** The other reporter's view of the same calls. */
    public static boolean peers(PairWindowStats a, PairWindowStats b) {
        return !a.reporter().equals(b.reporter()) && sameSource(a.source(), b.source())
                && sameDestination(a.destination(), b.destination());
    }

    public static String sourceName(WorkloadRef s) {
        if (s == null) return "an unknown caller";
        if (s.namespace() == null) return s.workload() == null ? "an unknown caller" : s.workload();
        return s.namespace() + "/" + s.workload();
    }

    public static String destinationName(ServiceRef d) {
        String name = d.workload() != null ? d.workload() : shortService(d.service());
        if (name == null) name = "?";
        return d.namespace() == null ? name : d.namespace() + "/" + name;
    }
}

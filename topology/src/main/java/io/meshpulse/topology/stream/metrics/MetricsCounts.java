package io.meshpulse.topology.stream.metrics;

import io.meshpulse.model.MetricSample;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.Times;
import io.meshpulse.model.WorkloadRef;
import io.meshpulse.topology.parse.Classifier;
import io.meshpulse.topology.stats.BinaryReader;
import io.meshpulse.topology.stats.BinaryWriter;
import io.meshpulse.topology.stats.WindowCounts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The metric samples of one pair over one window, summed: request increases per (response code, failure class)
 * and duration-bucket increases per bound. Prometheus' increases are fractional (extrapolated to the step's
 * edges), so they are summed as doubles and rounded per cell only when the window is emitted.
 */
final class MetricsCounts {
    private static final String BLACK_HOLE = "BlackHoleCluster";

    private final String reporter;
    private final WorkloadRef source;
    private final ServiceRef destination;
    /** "code failureClass" → summed increase. */
    private final TreeMap<String, Double> cells = new TreeMap<>();
    /** bucket upper bound (ms; +Inf included) → summed cumulative increase. */
    private final TreeMap<Double, Double> buckets = new TreeMap<>();

    MetricsCounts(String reporter, WorkloadRef source, ServiceRef destination) {
        this.reporter = reporter;
        this.source = source;
        this.destination = destination;
    }

    static MetricsCounts of(MetricSample s) {
        return new MetricsCounts(s.reporter(), s.source(), s.destination());
    }

    /**
     * Istio's metric carries the response code and flags but no response-code details, cluster or route, so the
     * classifier sees only those: a flag wins as in access logs, {@code BlackHoleCluster} as destination service
     * is egress blocked, and an RBAC denial (403, no flag) can only be told as {@code APP_4XX}.
     */
    static String classify(MetricSample s) {
        List<String> flags = flags(s.flags());
        String cluster = s.destination() != null && BLACK_HOLE.equals(s.destination().service()) ? BLACK_HOLE : null;
        return Classifier.failureClass(s.code(), flags, null, null, cluster, null);
    }

    static List<String> flags(String flags) {
        if (flags == null || flags.isEmpty() || flags.equals("-")) return List.of();
        List<String> out = new ArrayList<>();
        for (String f : flags.split(",")) {
            String t = f.trim();
            if (!t.isEmpty() && !t.equals("-")) out.add(t);
        }
        return out;
    }

    void add(MetricSample s) {
        if (MetricSample.REQUESTS.equals(s.metric())) {
            cells.merge(s.code() + " " + classify(s), s.value(), Double::sum);
        } else {
            buckets.merge(bound(s.le()), s.value(), Double::sum);
        }
    }

    static double bound(String le) {
        if (le.equals("+Inf") || le.equals("Inf")) return Double.POSITIVE_INFINITY;
        try {
            return Double.parseDouble(le);
        } catch (NumberFormatException e) {
            return Double.POSITIVE_INFINITY;
        }
    }

    /** The stats of this window, or null when the rounded request count is zero (nothing to report). */
    PairWindowStats toStats(long start, long end) {
        WindowCounts c = new WindowCounts();
        for (Map.Entry<String, Double> e : cells.entrySet()) {
            int sp = e.getKey().indexOf(' ');
            c.addRequests(Integer.parseInt(e.getKey().substring(0, sp)), e.getKey().substring(sp + 1),
                    Math.round(e.getValue()));
        }
        if (c.requests() == 0) return null;
        // Each bucket's own count sits at its midpoint (the +Inf bucket at the largest finite bound): quantiles
        // are as coarse as Istio's buckets (0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, … ms).
        double prevBound = 0;
        double prevCumulative = 0;
        for (Map.Entry<Double, Double> e : buckets.entrySet()) {
            double le = e.getKey();
            double n = e.getValue() - prevCumulative;
            double at = Double.isInfinite(le) ? prevBound : (prevBound + le) / 2;
            c.addDurations(at, Math.max(0, n));
            prevCumulative = Math.max(prevCumulative, e.getValue());
            if (!Double.isInfinite(le)) prevBound = le;
        }
        double success = (double) (c.requests() - c.failures()) / c.requests();
        return new PairWindowStats(Times.rfc3339(start), Times.rfc3339(end), reporter, source, destination,
                c.requests(), c.failures(), Math.round(success * 1e6) / 1e6, c.byClass(), c.byCodeClass(),
                c.latency(), 0, 0, PairWindowStats.ORIGIN_METRICS);
    }

    void writeTo(BinaryWriter w) {
        w.writeString(reporter);
        w.writeString(source == null ? null : source.namespace()).writeString(source == null ? null : source.workload());
        w.writeString(destination == null ? null : destination.namespace())
                .writeString(destination == null ? null : destination.service())
                .writeString(destination == null ? null : destination.workload());
        w.writeVarLong(cells.size());
        for (Map.Entry<String, Double> e : cells.entrySet()) {
            w.writeString(e.getKey()).writeLongBE(Double.doubleToLongBits(e.getValue()));
        }
        w.writeVarLong(buckets.size());
        for (Map.Entry<Double, Double> e : buckets.entrySet()) {
            w.writeLongBE(Double.doubleToLongBits(e.getKey())).writeLongBE(Double.doubleToLongBits(e.getValue()));
        }
    }

    static MetricsCounts readFrom(BinaryReader r) {
        String reporter = r.readString();
        String sNs = r.readString();
        String sWl = r.readString();
        String dNs = r.readString();
        String dSvc = r.readString();
        String dWl = r.readString();
        WorkloadRef source = sNs == null && sWl == null ? null : new WorkloadRef(sNs, sWl);
        MetricsCounts c = new MetricsCounts(reporter, source, new ServiceRef(dNs, dSvc, dWl));
        long n = r.readVarLong();
        for (long i = 0; i < n; i++) c.cells.put(r.readString(), Double.longBitsToDouble(r.readLongBE()));
        long b = r.readVarLong();
        for (long i = 0; i < b; i++) {
            c.buckets.put(Double.longBitsToDouble(r.readLongBE()), Double.longBitsToDouble(r.readLongBE()));
        }
        return c;
    }

    @Override
    public String toString() {
        return "MetricsCounts" + Arrays.asList(reporter, source, destination, cells, buckets);
    }
}

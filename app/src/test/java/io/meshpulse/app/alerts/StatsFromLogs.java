package io.meshpulse.app.alerts;

import io.meshpulse.ingest.files.LogFileSet;
import io.meshpulse.ingest.replay.MergedLogReader;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.Times;
import io.meshpulse.model.WorkloadRef;
import io.meshpulse.topology.attribute.Attribution;
import io.meshpulse.topology.attribute.LinePair;
import io.meshpulse.topology.attribute.ServedServices;
import io.meshpulse.topology.attribute.Workloads;
import io.meshpulse.topology.parse.AccessLogParser;
import io.meshpulse.topology.parse.AccessLogRecord;
import io.meshpulse.topology.parse.FailureClass;
import io.meshpulse.topology.parse.ParseResult;
import io.meshpulse.topology.stats.PairKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Closed pair windows (and a few example lines per class) computed straight from a simulation's log files with the
 * spine's own parser and attribution rules, without Kafka. It lets the alert tests drive the alerts sub-topology
 * with hundreds of window records instead of tens of thousands of lines under TopologyTestDriver (which commits
 * and checkpoints every store after every record). {@link AlertPipelineTest} checks that the result is what the
 * real spine emits for a scenario.
 */
final class StatsFromLogs {
    record Window(String pairKey, PairWindowStats stats, Map<String, List<String>> exemplars) {}

    private static final class Acc {
        LinePair pair;
        long requests;
        long failures;
        final Map<String, Long> byClass = new TreeMap<>();
        final Map<String, Long> byCode = new TreeMap<>();
        final Map<String, List<String>> exemplars = new TreeMap<>();
    }

    static List<Window> compute(Path logs, long windowMillis, int exemplarsPerClass) throws IOException {
        AccessLogParser parser = new AccessLogParser();
        Map<String, WorkloadRef> ipOwners = new HashMap<>();
        Map<String, ServedServices> served = new HashMap<>(); // namespace/pod → what its inbound lines named
        // window start → raw pair identity → accumulator
        TreeMap<Long, Map<LinePair, Acc>> windows = new TreeMap<>();
        var files = LogFileSet.discover(List.of(logs), Set.of("istio-proxy"), new ArrayList<>());
        try (MergedLogReader reader = new MergedLogReader(files, null)) {
            for (RawLogLine l = reader.next(); l != null; l = reader.next()) {
                if (!(parser.parse(l.line()) instanceof ParseResult.Parsed p)) continue;
                AccessLogRecord r = p.record();
                String workload = Workloads.fromPod(l.pod());
                String own = Attribution.ownIp(r);
                if (own != null) ipOwners.put(own, new WorkloadRef(l.namespace(), workload));
                LinePair lp = Attribution.of(r, l.namespace(), workload, l.pod());
                String taught = Attribution.servedService(r, lp, l.namespace());
                if (taught != null) {
                    served.computeIfAbsent(l.namespace() + "/" + l.pod(), k -> new ServedServices())
                            .learn(Attribution.servedPort(r), taught, r.startTimeMillis());
                }
                long ws = r.startTimeMillis() - Math.floorMod(r.startTimeMillis(), windowMillis);
                Acc a = windows.computeIfAbsent(ws, k -> new LinkedHashMap<>()).computeIfAbsent(lp, k -> new Acc());
                a.pair = lp;
                a.requests++;
                String cls = r.failureClass();
                if (r.isFailure()) a.failures++;
                if (!FailureClass.NONE.equals(cls)) {
                    a.byClass.merge(cls, 1L, Long::sum);
                    List<String> ex = a.exemplars.computeIfAbsent(cls, k -> new ArrayList<>());
                    if (ex.size() < exemplarsPerClass) ex.add(l.line());
                }
                String code = r.responseCode() <= 0 ? "0" : (r.responseCode() / 100) + "xx";
                a.byCode.merge(code, 1L, Long::sum);
            }
        }
        List<Window> out = new ArrayList<>();
        for (Map.Entry<Long, Map<LinePair, Acc>> w : windows.entrySet()) {
            // Several raw identities can resolve to one pair (a caller IP and its workload): merge after resolving.
            Map<String, Window> merged = new LinkedHashMap<>();
            Map<String, Acc> accs = new LinkedHashMap<>();
            for (Acc a : w.getValue().values()) {
                LinePair lp = a.pair;
                String srcNs = lp.sourceNamespace();
                String srcWl = lp.sourceWorkload();
                if (srcWl == null && lp.sourceIp() != null) {
                    WorkloadRef o = ipOwners.get(lp.sourceIp());
                    if (o != null) {
                        srcNs = o.namespace();
                        srcWl = o.workload();
                    } else {
                        srcWl = lp.sourceIp();
                    }
                }
                String dstWl = lp.destinationWorkload();
                if (dstWl == null && lp.destinationIp() != null) {
                    WorkloadRef o = ipOwners.get(lp.destinationIp());
                    if (o != null) dstWl = o.workload();
                }
                String service = lp.destinationService();
                if (lp.serviceToResolve()) {
                    ServedServices s = served.get(lp.destinationNamespace() + "/" + lp.destinationPod());
                    service = s == null ? null : s.serviceAt(lp.destinationPort(), w.getKey() + windowMillis);
                }
                PairKey key = new PairKey(lp.reporter(), srcNs, srcWl, lp.destinationNamespace(), service, dstWl);
                String k = key.toKeyString();
                Acc m = accs.computeIfAbsent(k, x -> {
                    Acc n = new Acc();
                    n.pair = lp;
                    return n;
                });
                m.requests += a.requests;
                m.failures += a.failures;
                a.byClass.forEach((c, v) -> m.byClass.merge(c, v, Long::sum));
                a.byCode.forEach((c, v) -> m.byCode.merge(c, v, Long::sum));
                a.exemplars.forEach((c, v) -> {
                    List<String> ex = m.exemplars.computeIfAbsent(c, x -> new ArrayList<>());
                    for (String s : v) if (ex.size() < exemplarsPerClass) ex.add(s);
                });
                merged.put(k, new Window(k, new PairWindowStats(Times.rfc3339(w.getKey()),
                        Times.rfc3339(w.getKey() + windowMillis), key.reporter(), key.source(),
                        new ServiceRef(key.destinationNamespace(), key.destinationService(), key.destinationWorkload()),
                        0, 0, 1, Map.of(), Map.of(), null, 0, 0), Map.of()));
            }
            for (Map.Entry<String, Window> e : merged.entrySet()) {
                Acc m = accs.get(e.getKey());
                PairWindowStats s = e.getValue().stats();
                out.add(new Window(e.getKey(), new PairWindowStats(s.windowStart(), s.windowEnd(), s.reporter(), s.source(),
                        s.destination(), m.requests, m.failures, 1 - (double) m.failures / m.requests, m.byClass, m.byCode,
                        null, 0, 0), m.exemplars));
            }
        }
        return out;
    }
}

package io.meshpulse.topology.stats;

import io.meshpulse.model.LatencySummary;
import io.meshpulse.model.PairExemplars;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.WorkloadRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * A compact binary form of the closed-window records, for the stores and internal topics that only meshpulse
 * reads (the pair-stats and exemplar window stores, the alerts stage's repartition topic and pending store). Every
 * window used to be written and read back as JSON several times between its close and its alert decision, which
 * made JSON the largest per-window cost of a replay; {@code meshpulse.pair.stats} stays JSON (its contract).
 *
 * <p>Each value starts with a format byte so that a later layout can be told apart; strings are nullable.
 */
public final class StatsBinary {
    private static final int STATS_V1 = 1;
    private static final int EXEMPLARS_V1 = 1;

    private StatsBinary() {}

    public static void writeStats(BinaryWriter w, PairWindowStats s) {
        w.writeByte(STATS_V1);
        w.writeString(s.windowStart()).writeString(s.windowEnd()).writeString(s.reporter());
        WorkloadRef src = s.source();
        w.writeByte(src == null ? 0 : 1);
        if (src != null) w.writeString(src.namespace()).writeString(src.workload());
        ServiceRef dst = s.destination();
        w.writeByte(dst == null ? 0 : 1);
        if (dst != null) w.writeString(dst.namespace()).writeString(dst.service()).writeString(dst.workload());
        w.writeVarLong(s.requests()).writeVarLong(s.failures()).writeLongBE(Double.doubleToRawLongBits(s.successRatio()));
        writeCounts(w, s.byClass());
        writeCounts(w, s.byCodeClass());
        LatencySummary l = s.latencyMs();
        w.writeByte(l == null ? 0 : 1);
        if (l != null) {
            writeDouble(w, l.p50());
            writeDouble(w, l.p90());
            writeDouble(w, l.p99());
        }
        w.writeVarLong(s.bytesSent()).writeVarLong(s.bytesReceived()).writeString(s.origin());
    }

    public static PairWindowStats readStats(BinaryReader r) {
        int format = r.readByte();
        if (format != STATS_V1) throw new IllegalStateException("unknown pair-stats format " + format);
        String ws = r.readString();
        String we = r.readString();
        String reporter = r.readString();
        WorkloadRef src = r.readByte() == 0 ? null : new WorkloadRef(r.readString(), r.readString());
        ServiceRef dst = r.readByte() == 0 ? null : new ServiceRef(r.readString(), r.readString(), r.readString());
        long requests = r.readVarLong();
        long failures = r.readVarLong();
        double ratio = Double.longBitsToDouble(r.readLongBE());
        Map<String, Long> byClass = readCounts(r);
        Map<String, Long> byCode = readCounts(r);
        LatencySummary l = r.readByte() == 0 ? null : new LatencySummary(readDouble(r), readDouble(r), readDouble(r));
        long sent = r.readVarLong();
        long received = r.readVarLong();
        return new PairWindowStats(ws, we, reporter, src, dst, requests, failures, ratio, byClass, byCode, l, sent,
                received, r.readString());
    }

    /** Example lines per class (null for none). */
    public static void writeExamples(BinaryWriter w, Map<String, List<String>> byClass) {
        Map<String, List<String>> m = byClass == null ? Map.of() : byClass;
        w.writeVarLong(m.size());
        for (Map.Entry<String, List<String>> e : m.entrySet()) {
            w.writeString(e.getKey()).writeVarLong(e.getValue().size());
            for (String line : e.getValue()) w.writeString(line);
        }
    }

    public static Map<String, List<String>> readExamples(BinaryReader r) {
        int n = (int) r.readVarLong();
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String k = r.readString();
            int lines = (int) r.readVarLong();
            List<String> list = new ArrayList<>(lines);
            for (int j = 0; j < lines; j++) list.add(r.readString());
            m.put(k, list);
        }
        return m;
    }

    private static void writeCounts(BinaryWriter w, Map<String, Long> m) {
        w.writeVarLong(m.size());
        for (Map.Entry<String, Long> e : m.entrySet()) w.writeString(e.getKey()).writeVarLong(e.getValue());
    }

    private static Map<String, Long> readCounts(BinaryReader r) {
        int n = (int) r.readVarLong();
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) m.put(r.readString(), r.readVarLong());
        return m;
    }

    private static void writeDouble(BinaryWriter w, Double d) {
        w.writeByte(d == null ? 0 : 1);
        if (d != null) w.writeLongBE(Double.doubleToRawLongBits(d));
    }

    private static Double readDouble(BinaryReader r) {
        return r.readByte() == 0 ? null : Double.longBitsToDouble(r.readLongBE());
    }

    /** The serde of the pair-stats window store. */
    public static Serde<PairWindowStats> statsSerde() {
        return Serdes.serdeFrom((topic, s) -> {
            if (s == null) return null;
            BinaryWriter w = new BinaryWriter(256);
            writeStats(w, s);
            return w.toByteArray();
        }, (topic, b) -> b == null ? null : readStats(new BinaryReader(b)));
    }

    /** The serde of the pair-exemplars window store. */
    public static Serde<PairExemplars> exemplarsSerde() {
        return Serdes.serdeFrom((topic, e) -> {
            if (e == null) return null;
            BinaryWriter w = new BinaryWriter(512);
            w.writeByte(EXEMPLARS_V1);
            writeExamples(w, e.byClass());
            return w.toByteArray();
        }, (topic, b) -> {
            if (b == null) return null;
            BinaryReader r = new BinaryReader(b);
            int format = r.readByte();
            if (format != EXEMPLARS_V1) throw new IllegalStateException("unknown exemplars format " + format);
            return new PairExemplars(readExamples(r));
        });
    }
}

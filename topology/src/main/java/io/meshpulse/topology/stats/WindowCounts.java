package io.meshpulse.topology.stats;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import io.meshpulse.model.LatencySummary;
import io.meshpulse.topology.parse.FailureClass;
import io.meshpulse.topology.redact.Redactor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The running counts of one pair over one window: requests, failures, per-class and per-code-class counts,
 * bytes, and a DDSketch of durations (relative error 1%, mergeable, so partial counts from several tasks add up
 * to the same quantiles as one pass would give), and the first few lines of each failure class, redacted, as
 * examples for triage and alerts.
 */
public final class WindowCounts {
    public static final double RELATIVE_ACCURACY = 0.01;
    private static final int MAX_BINS = 2048;
    private static final LogarithmicMapping MAPPING = new LogarithmicMapping(RELATIVE_ACCURACY);
    private static final ThreadLocal<GrowingByteArrayOutput> SKETCH_OUT =
            ThreadLocal.withInitial(() -> GrowingByteArrayOutput.withInitialCapacity(256));
    static final String[] CODE_CLASSES = {"0", "1xx", "2xx", "3xx", "4xx", "5xx"};
    /** Example lines kept per failure class and window: enough to show a pattern, small enough to carry. */
    public static final int EXEMPLARS_PER_CLASS = 3;

    private long requests;
    private long failures;
    private long bytesSent;
    private long bytesReceived;
    private final long[] byCodeClass = new long[CODE_CLASSES.length];
    private final TreeMap<String, Long> byClass = new TreeMap<>();
    /** The durations' sketch; null while they are few enough to be kept as they are ({@link #pending}). */
    private DDSketch latency;
    /**
     * The durations counted so far, while there are at most {@link #PENDING_LIMIT} of them and no sketch yet. A
     * window on a sparse mesh takes about ten lines, and its sketch's dense arrays (about a kilobyte) would live as
     * long as the window stays open (seconds, through many young collections): kept as a few longs instead, they
     * cost the collector a fraction of that. The sketch made from them when it is needed is the same sketch (bin
     * counts do not depend on the order values came in), so its encoding and quantiles are too.
     */
    private long[] pending;
    private int pendingCount;
    private static final int PENDING_LIMIT = 32;
    /** Failure class to redacted example lines; null until the first failure. */
    private TreeMap<String, List<String>> exemplars;

    public static DDSketch newSketch() {
        return new DDSketch(MAPPING, () -> new CollapsingLowestDenseStore(MAX_BINS));
    }

    public WindowCounts() {}

    /** Counts one request. */
    public void add(int responseCode, String failureClass, long durationMs, long bytesSent, long bytesReceived) {
        add(responseCode, failureClass, durationMs, bytesSent, bytesReceived, null);
    }

    /** Counts one request, keeping {@code line} (redacted) as an example when its class still has room. */
    public void add(int responseCode, String failureClass, long durationMs, long bytesSent, long bytesReceived,
                    String line) {
        requests++;
        if (FailureClass.isFailure(failureClass)) failures++;
        if (failureClass != null && !FailureClass.NONE.equals(failureClass)) {
            byClass.merge(failureClass, 1L, Long::sum);
            if (line != null) keepExample(failureClass, line, true);
        }
        byCodeClass[codeClass(responseCode)]++;
        if (durationMs >= 0) addDuration(durationMs);
        if (bytesSent > 0) this.bytesSent += bytesSent;
        if (bytesReceived > 0) this.bytesReceived += bytesReceived;
    }

    /** Counts {@code n} requests of one code and class at once: metrics give counts, not lines. */
    public void addRequests(int responseCode, String failureClass, long n) {
        if (n <= 0) return;
        requests += n;
        if (FailureClass.isFailure(failureClass)) failures += n;
        if (failureClass != null && !FailureClass.NONE.equals(failureClass)) byClass.merge(failureClass, n, Long::sum);
        byCodeClass[codeClass(responseCode)] += n;
    }

    /** Adds {@code n} observations of {@code durationMs} to the latency sketch (from histogram buckets). */
    public void addDurations(double durationMs, double n) {
        if (n > 0 && durationMs >= 0 && !Double.isInfinite(durationMs)) sketch().accept(durationMs, n);
    }

    private void addDuration(long durationMs) {
        if (latency != null) {
            latency.accept(durationMs);
            return;
        }
        if (pending == null) {
            pending = new long[8];
        } else if (pendingCount == pending.length) {
            if (pendingCount >= PENDING_LIMIT) {
                sketch().accept(durationMs);
                return;
            }
            pending = java.util.Arrays.copyOf(pending, pendingCount * 2);
        }
        pending[pendingCount++] = durationMs;
    }

    /** The sketch, made now from the pending durations if there is none yet, and kept. */
    private DDSketch sketch() {
        if (latency == null) {
            latency = newSketch();
            for (int i = 0; i < pendingCount; i++) latency.accept(pending[i]);
            pending = null;
            pendingCount = 0;
        }
        return latency;
    }

    /** The sketch to read (encode, quantiles) without keeping it: a window with pending durations stays small. */
    private DDSketch sketchView() {
        if (latency != null) return latency;
        DDSketch s = newSketch();
        for (int i = 0; i < pendingCount; i++) s.accept(pending[i]);
        return s;
    }

    /** Whether this window holds a sketch already (tests: a small window keeps its durations as they are). */
    boolean sketchMade() {
        return latency != null;
    }

    private boolean latencyEmpty() {
        return latency == null ? pendingCount == 0 : latency.isEmpty();
    }

    static int codeClass(int code) {
        if (code >= 100 && code < 600) return code / 100;
        return 0;
    }

    /** True when a line of {@code failureClass} would be kept as an example now (so callers make its text only then). */
    public boolean wantsExample(String failureClass) {
        if (failureClass == null || FailureClass.NONE.equals(failureClass)) return false;
        List<String> list = exemplars == null ? null : exemplars.get(failureClass);
        return list == null || list.size() < EXEMPLARS_PER_CLASS;
    }

    private void keepExample(String failureClass, String line, boolean redact) {
        if (exemplars == null) exemplars = new TreeMap<>();
        List<String> list = exemplars.computeIfAbsent(failureClass, k -> new ArrayList<>(EXEMPLARS_PER_CLASS));
        if (list.size() < EXEMPLARS_PER_CLASS) list.add(redact ? Redactor.redact(line) : line);
    }

    /** Redacted example lines per failure class (empty when there were no failures). */
    public Map<String, List<String>> exemplars() {
        if (exemplars == null) return Map.of();
        Map<String, List<String>> m = new TreeMap<>();
        exemplars.forEach((k, v) -> m.put(k, List.copyOf(v)));
        return m;
    }

    public void merge(WindowCounts o) {
        requests += o.requests;
        failures += o.failures;
        bytesSent += o.bytesSent;
        bytesReceived += o.bytesReceived;
        for (int i = 0; i < byCodeClass.length; i++) byCodeClass[i] += o.byCodeClass[i];
        o.byClass.forEach((k, v) -> byClass.merge(k, v, Long::sum));
        if (o.latency != null) {
            if (!o.latency.isEmpty()) sketch().mergeWith(o.latency);
        } else {
            for (int i = 0; i < o.pendingCount; i++) addDuration(o.pending[i]);
        }
        if (o.exemplars != null) o.exemplars.forEach((k, lines) -> lines.forEach(l -> keepExample(k, l, false)));
    }

    public long requests() {
        return requests;
    }

    public long failures() {
        return failures;
    }

    public long bytesSent() {
        return bytesSent;
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    public Map<String, Long> byClass() {
        return new TreeMap<>(byClass);
    }

    public Map<String, Long> byCodeClass() {
        Map<String, Long> m = new TreeMap<>();
        for (int i = 0; i < CODE_CLASSES.length; i++) if (byCodeClass[i] > 0) m.put(CODE_CLASSES[i], byCodeClass[i]);
        return m;
    }

    public LatencySummary latency() {
        if (latencyEmpty()) return new LatencySummary(null, null, null);
        double[] q = latency == null ? pendingQuantiles() : null;
        if (q == null) q = sketchView().getValuesAtQuantiles(QUANTILES);
        return new LatencySummary(round(q[0]), round(q[1]), round(q[2]));
    }

    private static final double[] QUANTILES = {0.5, 0.9, 0.99};
    /** Durations at or below this go to the sketch's zero count, as DDSketch decides. */
    private static final double MIN_INDEXED = Math.max(0, MAPPING.minIndexableValue());

    /**
     * What the sketch of the pending durations answers for {@link #QUANTILES}, without making it (a window closes
     * with about ten durations, and the sketch's store takes a kilobyte or more to build and drop). DDSketch walks
     * its bins in ascending order and answers the value of the first bin whose cumulative count exceeds
     * {@code q × (count − 1)}: that is the bin of the duration at that rank once sorted by bin. Null when the
     * durations span more bins than the store keeps, where the sketch would collapse its lowest ones (durations
     * 10^17 apart at 1 %): then the sketch answers.
     */
    private double[] pendingQuantiles() {
        int n = pendingCount;
        int[] bins = new int[n];
        for (int i = 0; i < n; i++) bins[i] = pending[i] > MIN_INDEXED ? MAPPING.index(pending[i]) : ZERO_BIN;
        java.util.Arrays.sort(bins);
        int lowest = firstIndexed(bins);
        if (lowest != Integer.MAX_VALUE && (long) bins[n - 1] - lowest >= MAX_BINS - 1) return null;
        double[] out = new double[QUANTILES.length];
        for (int k = 0; k < QUANTILES.length; k++) {
            int bin = bins[(int) (QUANTILES[k] * (n - 1))];
            out[k] = bin == ZERO_BIN ? 0 : MAPPING.value(bin);
        }
        return out;
    }

    /** Stands for the sketch's zero count among bin indexes: below every real one. */
    private static final int ZERO_BIN = Integer.MIN_VALUE;

    /** The lowest real bin of {@code sortedBins}; {@link Integer#MAX_VALUE} when every duration is a zero. */
    private static int firstIndexed(int[] sortedBins) {
        for (int b : sortedBins) if (b != ZERO_BIN) return b;
        return Integer.MAX_VALUE;
    }

    private static double round(double v) {
        return Math.round(v * 10.0) / 10.0;
    }

    public void writeTo(BinaryWriter w) {
        w.writeVarLong(requests).writeVarLong(failures).writeVarLong(bytesSent).writeVarLong(bytesReceived);
        for (long c : byCodeClass) w.writeVarLong(c);
        w.writeVarLong(byClass.size());
        for (Map.Entry<String, Long> e : byClass.entrySet()) w.writeString(e.getKey()).writeVarLong(e.getValue());
        if (latencyEmpty()) {
            w.writeVarLong(0);
        } else {
            // The index mapping is a constant of this class, so it is left out of the encoding (it would also
            // come back with a gamma rounded differently, which DDSketch then refuses to merge).
            GrowingByteArrayOutput out = SKETCH_OUT.get();
            out.clear();
            try {
                sketchView().encode(out, true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot encode latency sketch", e);
            }
            w.writeVarLong(out.numWrittenBytes());
            w.writeBytes(out.backingArray(), 0, out.numWrittenBytes());
        }
        if (exemplars == null) {
            w.writeVarLong(0);
        } else {
            w.writeVarLong(exemplars.size());
            for (Map.Entry<String, List<String>> e : exemplars.entrySet()) {
                w.writeString(e.getKey()).writeVarLong(e.getValue().size());
                for (String l : e.getValue()) w.writeString(l);
            }
        }
    }

    public static WindowCounts readFrom(BinaryReader r) {
        WindowCounts c = new WindowCounts();
        c.requests = r.readVarLong();
        c.failures = r.readVarLong();
        c.bytesSent = r.readVarLong();
        c.bytesReceived = r.readVarLong();
        for (int i = 0; i < c.byCodeClass.length; i++) c.byCodeClass[i] = r.readVarLong();
        int classes = (int) r.readVarLong();
        for (int i = 0; i < classes; i++) c.byClass.put(r.readString(), r.readVarLong());
        int sketchLen = (int) r.readVarLong();
        if (sketchLen > 0) {
            byte[] b = r.readBytes(sketchLen);
            try {
                c.latency = DDSketch.decode(ByteArrayInput.wrap(b), () -> new CollapsingLowestDenseStore(MAX_BINS), MAPPING);
            } catch (IOException e) {
                throw new UncheckedIOException("corrupt latency sketch", e);
            }
        }
        int exemplarClasses = (int) r.readVarLong();
        for (int i = 0; i < exemplarClasses; i++) {
            String k = r.readString();
            int n = (int) r.readVarLong();
            for (int j = 0; j < n; j++) c.keepExample(k, r.readString(), false);
        }
        return c;
    }

}

package io.meshpulse.alerts.stream;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.AlertsTopology;
import io.meshpulse.alerts.catalog.Catalog;
import io.meshpulse.model.Alert;
import io.meshpulse.model.LatencySummary;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.Times;
import io.meshpulse.model.WorkloadRef;
import io.meshpulse.topology.stream.DeferredWritesStore;
import io.meshpulse.topology.stream.Emitted;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Runs the alerts stage's processor on hand-made pair windows of 10 s (window {@code i} starts at T0 + i × 10 s),
 * with in-memory stores and wall-clock time moved on by hand: no sleeps. Keeps every alert it has seen.
 */
final class StageDriver {
    static final long T0 = 1_790_000_000_000L; // a multiple of 10 s
    static final long SIZE = 10_000;
    static final WorkloadRef FRONTEND = new WorkloadRef("web", "frontend");
    static final WorkloadRef GATEWAY = new WorkloadRef("aks-istio-ingress", "gw");
    static final ServiceRef CHECKOUT = new ServiceRef("checkout", "checkout-api.checkout.svc.cluster.local", "checkout-api");
    static final ServiceRef PAYMENTS = new ServiceRef("checkout", "payments-api.checkout.svc.cluster.local", "payments-api");

    private final MockProcessorContext<String, Alert> context = new MockProcessorContext<>();
    private final AlertsProcessor processor;
    private long now = 1_000_000;
    private final List<Alert> all = new ArrayList<>();

    StageDriver() {
        this(AlertSettings.defaults());
    }

    StageDriver(AlertSettings settings) {
        processor = new AlertsProcessor(settings, Catalog.load());
        heldStore(AlertNames.PENDING_STORE);
        heldStore(AlertNames.PAIR_STATE_STORE);
        store(AlertNames.BURN_STORE, AlertsTopology.BURN_SERDE);
        store(AlertNames.CURRENT_STORE, AlertsTopology.ALERT_SERDE);
        context.setCurrentSystemTimeMs(now);
        processor.init(context);
    }

    private <V> void store(String name, Serde<V> serde) {
        KeyValueStore<String, V> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(),
                serde).withLoggingDisabled().build();
        s.init(context.getStateStoreContext(), s);
        context.addStateStore(s);
    }

    /** A store the processor holds in memory and writes at commits, as AlertsStage builds it (in memory here). */
    private void heldStore(String name) {
        KeyValueStore<Bytes, byte[]> s = DeferredWritesStore.builder(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled()).build();
        s.init(context.getStateStoreContext(), s);
        context.addStateStore(s);
    }

    /** Window {@code index} of one pair: {@code requests} calls, {@code failed} of them ending with {@code cls}. */
    static Observation obs(int index, String reporter, WorkloadRef src, ServiceRef dst, long requests,
                           String cls, long failed) {
        long ws = T0 + index * SIZE;
        Map<String, Long> byClass = new TreeMap<>();
        if (failed > 0) byClass.put(cls, failed);
        Map<String, Long> byCode = new TreeMap<>();
        if (requests > failed) byCode.put("2xx", requests - failed);
        if (failed > 0) byCode.put("DC".equals(cls) ? "0" : "5xx", failed);
        PairWindowStats s = new PairWindowStats(Times.rfc3339(ws), Times.rfc3339(ws + SIZE), reporter, src, dst,
                requests, failed, 1.0 - (double) failed / requests, byClass, byCode, new LatencySummary(2.0, 4.0, 8.0),
                0, 0, "accesslog");
        return new Observation(reporter + "|" + src + "|" + dst, s, Map.of(), false);
    }

    void send(Observation o) {
        processor.process(new Record<>(o.stats().destination().namespace(), o,
                AlertsProcessor.millis(o.stats().windowEnd())));
    }

    /**
     * Parsing task {@code partition} of {@code partitions} says it has sent its looks up to {@code point}; no
     * wall-clock time passes. Returns what the stage sent on it.
     */
    List<Alert> mark(long point, int partition, int partitions) {
        context.resetForwards();
        context.resetCommit();
        // as it comes off the topic: the key says it all, no value
        processor.process(new Record<>(AlertsStage.markKey(new Emitted.Looked(point, partition, partitions)), null,
                point));
        List<Alert> out = new ArrayList<>();
        context.forwarded().forEach(f -> out.add(f.record().value()));
        all.addAll(out);
        return out;
    }

    /** Whether the stage asked for a commit since the last {@link #mark}. */
    boolean commitRequested() {
        return context.committed();
    }

    /** Wall-clock time passes beyond the settle delay; returns what the stage's punctuation sent. */
    List<Alert> settle() {
        context.resetForwards();
        now += 5_000;
        context.setCurrentSystemTimeMs(now);
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(now);
        List<Alert> out = new ArrayList<>();
        context.forwarded().forEach(f -> out.add(f.record().value()));
        all.addAll(out);
        return out;
    }

    /** What the stage last said of an alert (its store of current alerts). */
    Alert current(String fingerprint) {
        return ((KeyValueStore<String, Alert>) context.getStateStore(AlertNames.CURRENT_STORE)).get(fingerprint);
    }

    /** The stage's stored state of a pair (its store of pair states), as a commit now would write it. */
    io.meshpulse.alerts.detect.PairState pair(String pairKey) {
        StateStore store = context.getStateStore(AlertNames.PAIR_STATE_STORE);
        DeferredWritesStore.of(store).flushCache(); // what the stream thread does before a commit
        byte[] value = ((KeyValueStore<Bytes, byte[]>) store).get(Bytes.wrap(pairKey.getBytes(StandardCharsets.UTF_8)));
        return AlertsTopology.PAIR_STATE_SERDE.deserializer().deserialize(AlertNames.PAIR_STATE_STORE, value);
    }

    /** Every alert of a class sent so far, in order. */
    List<Alert> of(String cls) {
        return all.stream().filter(a -> a.failureClass().equals(cls)).toList();
    }

    /** How many different alerts of a class have fired (one per fingerprint). */
    long pages(String cls) {
        return of(cls).stream().filter(a -> a.status().equals(Alert.FIRING)).map(Alert::fingerprint).distinct().count();
    }

    static String show(List<Alert> l) {
        StringBuilder sb = new StringBuilder();
        for (Alert a : l) sb.append(a.status()).append(' ').append(a.failureClass()).append(' ').append(a.reporter())
                .append(' ').append(a.severity()).append(' ').append(a.observed().windowStart()).append('\n');
        return sb.toString();
    }
}

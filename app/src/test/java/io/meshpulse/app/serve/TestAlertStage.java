package io.meshpulse.app.serve;

import io.meshpulse.model.Alert;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.topology.parse.FailureClass;
import io.meshpulse.topology.stream.JsonSerde;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * A stand-in for the alerts sub-topology (issue 4) with its store contract: KV store {@code alerts-current},
 * fingerprint → newest {@link Alert}. Fires when a window's failure ratio for a class is at least 20% (3+ failures),
 * resolves at the pair's next window of 5+ requests below it. Deliberately simple: the tests need alerts, not detection.
 */
final class TestAlertStage {
    private TestAlertStage() {}

    static void addTo(StreamsBuilder builder, KStream<String, PairWindowStats> stats) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LocalQueries.ALERTS_STORE),
                Serdes.String(), new JsonSerde<>(Alert.class)));
        stats.process(Detect::new, Named.as("test-alerts"), LocalQueries.ALERTS_STORE);
    }

    private static final class Detect implements Processor<String, PairWindowStats, Void, Void> {
        private KeyValueStore<String, Alert> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(LocalQueries.ALERTS_STORE);
        }

        @Override
        public void process(Record<String, PairWindowStats> r) {
            PairWindowStats s = r.value();
            for (Map.Entry<String, Long> e : s.byClass().entrySet()) {
                if (!FailureClass.isFailure(e.getKey())) continue;
                String fp = Integer.toHexString((r.key() + "|" + e.getKey()).hashCode());
                Alert current = store.get(fp);
                boolean bad = e.getValue() >= 3 && e.getValue() >= 0.2 * s.requests();
                if (bad && (current == null || !Alert.FIRING.equals(current.status()))) {
                    store.put(fp, alert(fp, Alert.FIRING, e.getKey(), s, null, e.getValue()));
                }
            }
            // Resolve this pair's firing alerts whose class is no longer bad.
            try (var it = store.all()) {
                while (it.hasNext()) {
                    var kv = it.next();
                    Alert a = kv.value;
                    if (!Alert.FIRING.equals(a.status()) || !a.reporter().equals(s.reporter())
                            || !a.source().equals(s.source()) || !a.destination().equals(s.destination())) continue;
                    long n = s.byClass().getOrDefault(a.failureClass(), 0L);
                    if (s.requests() >= 5 && n < 0.2 * s.requests()) {
                        store.put(kv.key, alert(kv.key, Alert.RESOLVED, a.failureClass(), s, s.windowEnd(), n));
                    }
                }
            }
        }

        private static Alert alert(String fp, String status, String cls, PairWindowStats s, String endsAt, long failures) {
            String wl = s.source() == null ? "unknown" : s.source().workload();
            String ns = s.source() == null ? "default" : s.source().namespace();
            return new Alert(fp, status, cls, s.reporter(), s.source(), s.destination(), s.windowStart(), s.windowEnd(),
                    endsAt, "critical",
                    new Alert.Observed(s.windowStart(), s.windowEnd(), s.requests(), failures,
                            s.requests() == 0 ? 0 : (double) failures / s.requests(), 0.0),
                    new Alert.Diagnosis(cls + " failures from " + wl, "Test diagnosis.", List.of("ratio above 20%"),
                            List.of("kubectl -n " + ns + " logs deploy/" + wl + " -c istio-proxy --since=10m | grep ' " + cls + " '"),
                            List.of("fix it")),
                    List.of());
        }
    }
}

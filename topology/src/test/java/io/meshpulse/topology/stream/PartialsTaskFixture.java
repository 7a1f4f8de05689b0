package io.meshpulse.topology.stream;

import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.topology.IstioLine;
import io.meshpulse.topology.MeshpulseTopology;
import io.meshpulse.topology.Names;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;

/**
 * For tests that drive a {@link PartialsProcessor} directly on a {@link MockProcessorContext}: the parsing task's
 * stores, as the topology declares them but in memory and without changelogs (registering them again on the same
 * context keeps what they hold, which is how these tests restart a task), and a raw record of one client line.
 */
final class PartialsTaskFixture {
    private PartialsTaskFixture() {
    }

    /** Registers the parsing task's four stores on {@code context}; returns the open-window (partials) store. */
    static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    private static final JsonCodec<RawLogLine> RAW = new JsonCodec<>(RawLogLine.class);

    static DeferredWritesStore register(MockProcessorContext<?, ?> context) {
        DeferredWritesStore partials = (DeferredWritesStore) register(context, DeferredWritesStore.builder(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(Names.PARTIALS_STORE), Serdes.Bytes(),
                        Serdes.ByteArray()).withLoggingDisabled()).build());
        register(context, Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(Names.PARTIALS_META_STORE),
                Serdes.String(), Serdes.Long()).withLoggingDisabled().build());
        register(context, Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(Names.IP_OWNERS_STORE),
                Serdes.String(), MeshpulseTopology.IP_OWNER_SERDE).withLoggingDisabled().build());
        register(context, Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(Names.SERVED_STORE),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build());
        return partials;
    }

    private static StateStore register(MockProcessorContext<?, ?> context, StateStore store) {
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        return store;
    }

    /** A raw record of checkout-api's outbound call to payments-api, {@code second} seconds after {@link #T0}. */
    static Record<byte[], byte[]> checkoutLine(int second) {
        String text = IstioLine.outbound("10.244.1.17", "payments-api.payments.svc.cluster.local", "10.244.3.31")
                .at(T0.plusSeconds(second)).text();
        RawLogLine r = new RawLogLine(null, "shop", "checkout-api-7d4f8b9c6-x2k4q", "istio-proxy", "aks-node-1", text,
                "test");
        return new Record<>(r.key().getBytes(StandardCharsets.UTF_8), RAW.encode(r), T0.toEpochMilli());
    }
}

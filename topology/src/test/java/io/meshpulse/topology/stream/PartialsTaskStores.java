package io.meshpulse.topology.stream;

import io.meshpulse.topology.MeshpulseTopology;
import io.meshpulse.topology.Names;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.Stores;

/**
 * The parsing task's stores, as the topology declares them but in memory and without changelogs, registered on a
 * {@link MockProcessorContext} for tests that drive a {@link PartialsProcessor} directly. Registering them again on
 * the same context keeps what they hold, which is how these tests restart a task.
 */
final class PartialsTaskStores {
    private PartialsTaskStores() {
    }

    /** Registers the parsing task's four stores on {@code context}; returns the open-window (partials) store. */
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
}

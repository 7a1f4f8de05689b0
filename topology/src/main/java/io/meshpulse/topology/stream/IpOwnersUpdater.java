package io.meshpulse.topology.stream;

import io.meshpulse.model.IpOwner;
import io.meshpulse.topology.Names;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Keeps the global IP table: the newest sighting of an IP wins, a null value forgets it. */
public final class IpOwnersUpdater implements Processor<String, IpOwner, Void, Void> {
    private KeyValueStore<String, IpOwner> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(Names.IP_OWNERS_STORE);
    }

    @Override
    public void process(Record<String, IpOwner> record) {
        if (record.key() == null) return;
        IpOwner next = record.value();
        if (next == null) {
            store.delete(record.key());
            return;
        }
        IpOwner current = store.get(record.key());
        if (current == null || current.seenAt() <= next.seenAt()) store.put(record.key(), next);
    }
}

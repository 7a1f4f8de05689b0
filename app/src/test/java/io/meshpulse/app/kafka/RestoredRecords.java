package io.meshpulse.app.kafka;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

/** Counts the records Kafka Streams restores from changelogs, by store (stores that restored none are left out). */
public final class RestoredRecords implements StateRestoreListener {
    private final Map<String, Long> byStore = new ConcurrentHashMap<>();

    @Override
    public void onRestoreStart(TopicPartition partition, String store, long from, long to) {}

    @Override
    public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long count) {
        if (count > 0) byStore.merge(store, count, Long::sum);
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String store, long total) {}

    public Map<String, Long> byStore() {
        return Map.copyOf(byStore);
    }
}

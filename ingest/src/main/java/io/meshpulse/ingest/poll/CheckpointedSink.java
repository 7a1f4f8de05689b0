package io.meshpulse.ingest.poll;

/** Where a poller's records and its checkpoint go, together. */
public interface CheckpointedSink extends AutoCloseable {

    /** The checkpoint last committed, or null when the poller has never committed. */
    String restore();

    /** Sends the batch's records and its checkpoint atomically; throws when that could not be done. */
    void commit(Batch batch);

    /** Partitions of a topic, for control records that must reach every partition. */
    int partitions(String topic);

    @Override
    void close();
}

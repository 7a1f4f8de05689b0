package io.meshpulse.ingest.poll;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/** A sink that keeps what was committed, for poller tests that need no broker. */
public class MemorySink implements CheckpointedSink {
    public final List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    public String checkpoint;
    public int commits;
    private final int partitions;

    public MemorySink(int partitions) {
        this.partitions = partitions;
    }

    @Override
    public String restore() {
        return checkpoint;
    }

    @Override
    public void commit(Batch batch) {
        records.addAll(batch.records());
        checkpoint = batch.checkpoint();
        commits++;
    }

    @Override
    public int partitions(String topic) {
        return partitions;
    }

    @Override
    public void close() {}
}

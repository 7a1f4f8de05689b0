package io.meshpulse.ingest.poll;

import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What one poll produced: the records, and the checkpoint that is true once they are in Kafka. The two are
 * committed together (one Kafka transaction), so a crash between them cannot lose or repeat a record.
 *
 * @param records    records to send, in order
 * @param checkpoint the poller's new state (opaque text, kept in the compacted checkpoint topic)
 * @param read       source items read (rows, samples), including those skipped as duplicates
 * @param skipped    source items read but not sent (already sent in an overlap, empty, unsupported)
 * @param upToMillis how far the source has been read (epoch millis), for the poll-lag gauge
 * @param more       the poll stopped short of what the source has (a row limit, a span limit): poll again at once
 */
public record Batch(List<ProducerRecord<String, byte[]>> records, String checkpoint, long read, long skipped,
                    long upToMillis, boolean more) {

    public Batch(List<ProducerRecord<String, byte[]>> records, String checkpoint, long read, long skipped,
                 long upToMillis) {
        this(records, checkpoint, read, skipped, upToMillis, false);
    }
}

package io.meshpulse.topology.stream;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.processor.StreamPartitioner;

/** Partials go by pair (the default key hash); watermarks go to every partition (KIP-837 multicast). */
public final class PartialsPartitioner implements StreamPartitioner<String, PartialMsg> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, PartialMsg value, int numPartitions) {
        if (value instanceof PartialMsg.Watermark) {
            return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()));
        }
        return Optional.empty();
    }
}

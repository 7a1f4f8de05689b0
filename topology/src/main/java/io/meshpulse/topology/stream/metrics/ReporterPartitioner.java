package io.meshpulse.topology.stream.metrics;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.processor.StreamPartitioner;

/** Samples go by reporter (the default key hash); ticks go to every partition, so every task's clock advances. */
public final class ReporterPartitioner implements StreamPartitioner<String, MetricsInput> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, MetricsInput value, int numPartitions) {
        if (value instanceof MetricsInput.Tick) {
            return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()));
        }
        return Optional.empty();
    }
}

package io.meshpulse.app.serve;

import io.meshpulse.model.Topics;
import io.meshpulse.topology.stream.PartialsProcessor;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The pipeline's own health under stable meshpulse names (lines in, input lag, commit and punctuation latency,
 * state), read from the Kafka Streams client's metrics; plus every Kafka Streams metric through Micrometer's
 * {@link KafkaStreamsMetrics} binder for deeper digging.
 */
final class PipelineMetrics implements AutoCloseable {
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics binder;

    PipelineMetrics(KafkaStreams streams, Topics topics, MeterRegistry registry) {
        this.streams = streams;
        String raw = topics.rawAccessLog();
        // The raw topic also carries the ingests' heartbeats (and, in a replay, end-of-input markers): the parsing
        // tasks count the heartbeats they read, and lines are the records read less those.
        Predicate<MetricName> heartbeats = n -> n.group().equals("stream-" + PartialsProcessor.HEARTBEAT_METRICS_SCOPE
                + "-metrics") && n.name().equals(PartialsProcessor.HEARTBEAT_METRICS_OPERATION + "-total");
        FunctionCounter.builder("meshpulse.pipeline.lines.in", this,
                        m -> Math.max(0, m.sum(n -> n.group().equals("stream-topic-metrics")
                                && n.name().equals("records-consumed-total") && raw.equals(n.tags().get("topic")))
                                - m.sum(heartbeats)))
                .description("Lines read from the raw access-log topic by this instance (heartbeats left out)")
                .register(registry);
        FunctionCounter.builder("meshpulse.pipeline.heartbeats.in", this, m -> m.sum(heartbeats))
                .description("Ingest heartbeats read from the raw access-log topic by this instance").register(registry);
        Gauge.builder("meshpulse.pipeline.input.lag", this,
                        m -> m.sum(n -> n.group().equals("consumer-fetch-manager-metrics") && n.name().equals("records-lag")
                                && raw.equals(n.tags().get("topic"))))
                .baseUnit("records").description("Records on the raw topic not yet read (this instance's partitions)")
                .register(registry);
        Gauge.builder("meshpulse.pipeline.commit.latency.max", this,
                        m -> m.max(n -> n.group().equals("stream-thread-metrics") && n.name().equals("commit-latency-max")) / 1000.0)
                .baseUnit("seconds").description("Slowest commit in the last metrics window, over stream threads")
                .register(registry);
        Gauge.builder("meshpulse.pipeline.punctuate.latency.max", this,
                        m -> m.max(n -> n.group().equals("stream-thread-metrics") && n.name().equals("punctuate-latency-max")) / 1000.0)
                .baseUnit("seconds").description("Slowest punctuation (wall-clock window closing) in the last metrics window")
                .register(registry);
        Gauge.builder("meshpulse.pipeline.running", streams, s -> s.state() == KafkaStreams.State.RUNNING ? 1 : 0)
                .description("1 while the Kafka Streams client is RUNNING").register(registry);
        this.binder = new KafkaStreamsMetrics(streams);
        binder.bindTo(registry);
    }

    private double sum(Predicate<MetricName> which) {
        double s = 0;
        boolean any = false;
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            if (!which.test(e.getKey())) continue;
            Object v = e.getValue().metricValue();
            if (v instanceof Number n && !Double.isNaN(n.doubleValue()) && !Double.isInfinite(n.doubleValue())) {
                s += n.doubleValue();
                any = true;
            }
        }
        return any ? s : 0;
    }

    private double max(Predicate<MetricName> which) {
        double m = Double.NaN;
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            if (!which.test(e.getKey())) continue;
            Object v = e.getValue().metricValue();
            if (v instanceof Number n && !Double.isNaN(n.doubleValue()) && !Double.isInfinite(n.doubleValue())) {
                m = Double.isNaN(m) ? n.doubleValue() : Math.max(m, n.doubleValue());
            }
        }
        return Double.isNaN(m) ? 0 : m;
    }

    @Override
    public void close() {
        binder.close();
    }
}

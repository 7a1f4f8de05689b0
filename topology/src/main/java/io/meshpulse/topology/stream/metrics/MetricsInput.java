package io.meshpulse.topology.stream.metrics;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.MetricSample;

/** What the metrics-windows stage reads, keyed by reporter ({@link ReporterKey}). */
public sealed interface MetricsInput
        permits MetricsInput.Sample, MetricsInput.Covered, MetricsInput.Tick, MetricsInput.Rejected {

    /** A metric sample, with its step in epoch millis (parsed once, at decode time). */
    record Sample(MetricSample sample, long startMillis, long endMillis) implements MetricsInput {}

    /** The reporter's access logs produced stats for the window {@code [start, end)}. */
    record Covered(long startMillis, long endMillis) implements MetricsInput {}

    /** The poller has sent every sample whose step ends at or before {@code upToMillis}. */
    record Tick(long upToMillis) implements MetricsInput {}

    /** A value on the samples topic that is not a sample: dead-lettered, never repartitioned. */
    record Rejected(DeadLetter letter) implements MetricsInput {}
}

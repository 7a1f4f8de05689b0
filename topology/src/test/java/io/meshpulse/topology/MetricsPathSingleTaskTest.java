package io.meshpulse.topology;

/** Every case of {@link MetricsPathTopologyTest} again, wired as replay wires one raw partition (one task, no repartition by pair). */
class MetricsPathSingleTaskTest extends MetricsPathTopologyTest implements SpineWiring.SingleTask {
}

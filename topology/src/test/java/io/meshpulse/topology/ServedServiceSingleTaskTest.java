package io.meshpulse.topology;

/** Every case of {@link ServedServiceTopologyTest} again, wired as replay wires one raw partition (one task, no repartition by pair). */
class ServedServiceSingleTaskTest extends ServedServiceTopologyTest implements SpineWiring.SingleTask {
}

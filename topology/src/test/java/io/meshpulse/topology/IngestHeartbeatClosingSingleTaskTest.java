package io.meshpulse.topology;

/** Every case of {@link IngestHeartbeatClosingTopologyTest} again, wired as replay wires one raw partition (one task, no repartition by pair). */
class IngestHeartbeatClosingSingleTaskTest extends IngestHeartbeatClosingTopologyTest implements SpineWiring.SingleTask {
}

package io.meshpulse.topology;

/** Every case of {@link IngestHeartbeatTopologyTest} again, wired as replay wires one raw partition (one task, no repartition by pair). */
class IngestHeartbeatSingleTaskTest extends IngestHeartbeatTopologyTest implements SpineWiring.SingleTask {
}

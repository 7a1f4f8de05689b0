package io.meshpulse.topology;

/** Every case of {@link CloseHeldTopologyTest} again, wired as replay wires one raw partition (one task, no repartition by pair). */
class CloseHeldSingleTaskTest extends CloseHeldTopologyTest implements SpineWiring.SingleTask {
}

package io.meshpulse.topology;

/** Every case of {@link PairWindowsTopologyTest} again, wired as replay wires one raw partition (one task, no repartition by pair). */
class PairWindowsSingleTaskTest extends PairWindowsTopologyTest implements SpineWiring.SingleTask {
}

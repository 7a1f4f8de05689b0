package io.meshpulse.topology;

/**
 * The spine's topology tests build their topology through {@link #support}: repartitioned, or, in a subclass marked
 * {@link SingleTask}, wired as replay wires one raw partition (one task, no repartition by pair). Each such test
 * class has a {@code *SingleTaskTest} subclass that runs every case again that way, so both wirings must count alike.
 */
abstract class SpineWiring {
    /** Marks a subclass that runs its cases on the single-task wiring. */
    interface SingleTask {}

    /** The topology under test over {@code settings}. */
    final TopologyTestSupport support(Settings settings) {
        return this instanceof SingleTask ? TopologyTestSupport.asReplayWires(settings) : new TopologyTestSupport(settings);
    }
}

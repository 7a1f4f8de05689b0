package io.meshpulse.topology;

/** Every case of {@link DeferredPartialsTest} again, wired as replay wires one raw partition (one task, no repartition by pair). */
class DeferredPartialsSingleTaskTest extends DeferredPartialsTest implements SpineWiring.SingleTask {
}

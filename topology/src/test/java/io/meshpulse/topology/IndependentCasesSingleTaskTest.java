package io.meshpulse.topology;

/** Every case of {@link IndependentCasesTopologyTest} again, wired as replay wires one raw partition (one task, no repartition by pair). */
class IndependentCasesSingleTaskTest extends IndependentCasesTopologyTest implements SpineWiring.SingleTask {
}

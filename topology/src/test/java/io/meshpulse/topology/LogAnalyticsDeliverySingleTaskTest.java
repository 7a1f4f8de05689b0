package io.meshpulse.topology;

/** Every case of {@link LogAnalyticsDeliveryTopologyTest} again, wired as replay wires one raw partition (one task, no repartition by pair). */
class LogAnalyticsDeliverySingleTaskTest extends LogAnalyticsDeliveryTopologyTest implements SpineWiring.SingleTask {
}

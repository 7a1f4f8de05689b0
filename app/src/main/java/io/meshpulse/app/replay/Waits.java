package io.meshpulse.app.replay;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * The waits at the end of a replay: conditions on Kafka's state (a group's committed offsets, a topic's end),
 * polled against a deadline.
 */
final class Waits {
    private Waits() {}

    interface Check {
        boolean done() throws Exception;
    }

    /**
     * True once {@code check} holds, false when {@code deadline} (a {@link System#nanoTime()}) passed first. A check
     * that throws counts as not yet (the group not known yet, a metadata refresh); {@code checkFailed} runs before
     * each try and may throw to give up at once.
     */
    static boolean until(long deadline, Runnable checkFailed, Check check) throws InterruptedException {
        while (true) {
            checkFailed.run();
            try {
                if (check.done()) return true;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                // not yet: try again until the deadline
            }
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(10); // polling a condition (a local admin request takes a millisecond or two), bounded by the deadline
        }
    }

    /**
     * Whether consumer group {@code group} has committed at least {@code offsets} (an offset of 0, an empty
     * partition, needs no commit). Under exactly-once, what the group's application wrote while processing up to
     * there is committed with it, though read_committed readers of the topics it wrote to may see it a moment later
     * (the transaction's markers are written partition by partition).
     */
    static boolean committedPast(Admin admin, String group, Map<TopicPartition, Long> offsets)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        return offsets.entrySet().stream().allMatch(e -> {
            OffsetAndMetadata c = committed.get(e.getKey());
            return e.getValue() == 0 || (c != null && c.offset() >= e.getValue());
        });
    }

    /** Whether every partition of {@code target} is at or past its offset in {@code ends}. */
    static boolean reached(Map<TopicPartition, Long> ends, Map<TopicPartition, Long> target) {
        return target.entrySet().stream().allMatch(e -> {
            Long at = ends.get(e.getKey());
            return at != null && at >= e.getValue();
        });
    }

    /** The end of each partition of {@code topic}: its last offset, or with READ_COMMITTED what such a reader sees. */
    static Map<TopicPartition, Long> endOffsets(Admin admin, String topic, IsolationLevel isolation)
            throws ExecutionException, InterruptedException {
        List<TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        return admin.listOffsets(parts.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())),
                        new ListOffsetsOptions(isolation))
                .all().get().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
}

package io.meshpulse.app.replay;

import io.meshpulse.app.kafka.TopicAdmin;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * What a {@code meshpulse run} application (children started by a test) looks like from outside, through one Admin
 * client: its consumer group, its open transactions, and the ends of its topics. Shared by the kill -9 tests.
 */
final class GroupProbe implements AutoCloseable {
    private final Admin admin;
    private final String app;
    private final String prefix;
    private final String raw;

    /** {@code app}: the application id (the group); {@code prefix}: meshpulse's topic prefix; {@code raw}: the input. */
    GroupProbe(String bootstrap, String app, String prefix, String raw) {
        this.admin = Admin.create(TopicAdmin.config(bootstrap, Map.of()));
        this.app = app;
        this.prefix = prefix;
        this.raw = raw;
    }

    /** Whether any partition of the application's topics (the raw input aside) holds records of an open transaction. */
    boolean openTransaction() {
        return openTransactionOn(null);
    }

    /** Same, for one topic, or every topic of the application when null. */
    boolean openTransactionOn(String topic) {
        try {
            List<String> names = topic != null ? List.of(topic) : admin.listTopics().names().get().stream()
                    .filter(t -> (t.startsWith(prefix) || t.startsWith(app)) && !t.equals(raw)).toList();
            List<TopicPartition> parts = partitions(names);
            Map<TopicPartition, Long> all = ends(parts, IsolationLevel.READ_UNCOMMITTED);
            Map<TopicPartition, Long> committed = ends(parts, IsolationLevel.READ_COMMITTED);
            return parts.stream().anyMatch(tp -> all.get(tp) > committed.get(tp));
        } catch (Exception e) {
            return false; // a topic being created: not yet
        }
    }

    /**
     * The application's transactions the coordinator holds open whose id contains {@code part} (a Streams process
     * id: under exactly_once_v2 a stream thread's transactional id is {@code <app id>-<process id>-<thread>}).
     */
    List<String> ongoingTransactions(String part) {
        try {
            return admin.listTransactions(new ListTransactionsOptions().filterStates(List.of(TransactionState.ONGOING)))
                    .all().get().stream().map(TransactionListing::transactionalId)
                    .filter(id -> id.startsWith(app + "-") && id.contains(part)).sorted().toList();
        } catch (Exception e) {
            return List.of();
        }
    }

    /** The group's members (empty while it has none or cannot be described). */
    List<MemberDescription> members() {
        try {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(app)).all().get().get(app);
            return d == null ? List.of() : List.copyOf(d.members());
        } catch (Exception e) {
            return List.of();
        }
    }

    /** The raw partitions assigned to the member whose static id starts with {@code instance}; -1 when absent. */
    int rawPartitionsOf(String instance) {
        return rawPartitionsOf(rawPartitionsByMember(), instance);
    }

    /**
     * How many raw partitions each member holds, by its static id (its consumer id without one), from one
     * description of the group: for conditions on several members at once.
     */
    Map<String, Integer> rawPartitionsByMember() {
        Map<String, Integer> held = new TreeMap<>();
        for (MemberDescription m : members()) {
            held.put(m.groupInstanceId().orElse(m.consumerId()),
                    (int) m.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(raw)).count());
        }
        return held;
    }

    /**
     * In {@code held} ({@link #rawPartitionsByMember}), the count of the member whose id starts with
     * {@code instance}; -1 when absent.
     */
    static int rawPartitionsOf(Map<String, Integer> held, String instance) {
        return held.entrySet().stream().filter(e -> e.getKey().startsWith(instance)).findFirst()
                .map(Map.Entry::getValue).orElse(-1);
    }

    /**
     * The Streams process id of the member whose static id starts with {@code instance} (its client id is
     * {@code <app id>-<process id>-StreamThread-<n>-consumer}), or null while it is not in the group.
     */
    String processIdOf(String instance) {
        return members().stream().filter(m -> m.groupInstanceId().orElse("").startsWith(instance)).findFirst()
                .map(m -> {
                    String id = m.clientId();
                    int end = id.indexOf("-StreamThread-");
                    return id.startsWith(app + "-") && end > 0 ? id.substring(app.length() + 1, end) : null;
                }).orElse(null);
    }

    /** The read_committed end of each partition of these topics. */
    Map<TopicPartition, Long> committedEnds(String... topics) {
        try {
            return ends(partitions(List.of(topics)), IsolationLevel.READ_COMMITTED);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The group's committed offsets (empty before its first commit). */
    Map<TopicPartition, OffsetAndMetadata> committed() {
        try {
            Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(app)
                    .partitionsToOffsetAndMetadata().get();
            return m == null ? Map.of() : m;
        } catch (Exception e) {
            return Map.of();
        }
    }

    /** Raw lines (and markers) the group has committed, summed over partitions. */
    long committedRaw() {
        return committed().entrySet().stream().filter(e -> e.getKey().topic().equals(raw))
                .mapToLong(e -> e.getValue() == null ? 0 : e.getValue().offset()).sum();
    }

    /** Records in the raw topic, summed over partitions. */
    long rawEnd() {
        try {
            return ends(partitions(List.of(raw)), IsolationLevel.READ_UNCOMMITTED).values().stream()
                    .mapToLong(Long::longValue).sum();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether the group has committed every repartition partition it reads up to its end. A transactional
     * topic ends in a commit marker, which a consumer's committed position may or may not have passed.
     */
    boolean internalInputsDone() {
        Map<TopicPartition, OffsetAndMetadata> c = committed();
        List<TopicPartition> internal = c.keySet().stream().filter(tp -> !tp.topic().equals(raw)).toList();
        try {
            Map<TopicPartition, Long> end = ends(internal, IsolationLevel.READ_COMMITTED);
            return internal.stream().allMatch(tp -> c.get(tp) != null && c.get(tp).offset() >= end.get(tp) - 1);
        } catch (Exception e) {
            return false;
        }
    }

    private List<TopicPartition> partitions(List<String> topics) throws Exception {
        if (topics.isEmpty()) return List.of();
        List<TopicPartition> out = new ArrayList<>();
        admin.describeTopics(topics).allTopicNames().get().forEach((name, d) ->
                d.partitions().forEach(p -> out.add(new TopicPartition(name, p.partition()))));
        return out;
    }

    private Map<TopicPartition, Long> ends(List<TopicPartition> parts, IsolationLevel isolation) throws Exception {
        if (parts.isEmpty()) return Map.of();
        return admin.listOffsets(parts.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())),
                        new ListOffsetsOptions(isolation)).all().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    @Override
    public void close() {
        admin.close();
    }
}

package io.meshpulse.app.kafka;

import io.meshpulse.model.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates meshpulse's topics when missing and reads back partition counts (the topology is built for them). */
public final class TopicAdmin implements AutoCloseable {
    private final String bootstrapServers;
    private final Admin admin;

    public TopicAdmin(String bootstrapServers) {
        this(bootstrapServers, Map.of());
    }

    /** @param clientOverrides Kafka client settings merged over the bootstrap servers (security settings) */
    public TopicAdmin(String bootstrapServers, Map<String, ?> clientOverrides) {
        this.admin = Admin.create(config(bootstrapServers, clientOverrides));
        this.bootstrapServers = bootstrapServers;
    }

    public static Properties config(String bootstrapServers, Map<String, ?> clientOverrides) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.putAll(clientOverrides);
        return p;
    }

    /**
     * Topic settings for a run over old logs (replay, bench). Records carry their lines' own times, and a broker
     * deletes records older than its retention (7 days by default) at its next check, whether or not anyone has
     * read them: a replay of last month's logs lost its input half-way and then waited for lines that no longer
     * existed. Such runs create topics of their own, so they keep everything until they delete the topics.
     */
    public static final Map<String, String> KEEP_OLD_RECORDS = Map.of("retention.ms", "-1");

    /**
     * Ensures every topic exists. The raw and stats topics get {@code partitions} partitions (the unit of
     * scale-out); dead letters, alerts and the IP table are small; the IP table is compacted.
     */
    public void ensure(Topics topics, int partitions, java.util.Optional<Short> replication) {
        ensure(topics, partitions, replication, Map.of());
    }

    /** Same, with {@code configs} on every topic but the (compacted) IP table, e.g. {@link #KEEP_OLD_RECORDS}. */
    public void ensure(Topics topics, int partitions, java.util.Optional<Short> replication,
                       Map<String, String> configs) {
        List<NewTopic> wanted = new ArrayList<>();
        wanted.add(new NewTopic(topics.rawAccessLog(), java.util.Optional.of(partitions), replication).configs(configs));
        wanted.add(new NewTopic(topics.metricsSamples(), java.util.Optional.of(partitions), replication).configs(configs));
        wanted.add(new NewTopic(topics.pairStats(), java.util.Optional.of(partitions), replication).configs(configs));
        wanted.add(new NewTopic(topics.deadLetters(), java.util.Optional.of(1), replication).configs(configs));
        wanted.add(new NewTopic(topics.alerts(), java.util.Optional.of(1), replication).configs(configs));
        wanted.add(new NewTopic(topics.ipOwners(), java.util.Optional.of(1), replication)
                .configs(Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "60000")));
        try {
            Set<String> existing = topicNames();
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) return;
            try {
                admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) throw e;
            }
        } catch (StartupError e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot create meshpulse topics: " + e, e);
        }
    }

    /**
     * Waits until every partition of {@code names} answers at its leader. Creation completes at the controller;
     * a broker takes up leadership a moment later, and records sent in between are refused as "not leader". An
     * idempotent producer that retried them once got stuck re-sending its first batch as out of order until its
     * delivery timeout (two minutes), which failed a bench run: asking each leader for its end offset first avoids
     * that window. Called by the runs that create their topics and produce at once (replay, bench).
     */
    public void awaitLeaders(List<String> names) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
                d.values().forEach(t -> t.partitions().forEach(
                        p -> ends.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest())));
                admin.listOffsets(ends).all().get(30, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("new topics have no leader after 30 s: " + e.getMessage(), e);
                }
            }
            Thread.sleep(100); // asking again after a broker metadata update, bounded by the deadline above
        }
    }

    /**
     * The topic's partition count. Right after {@link #ensure} the broker may not know a new topic yet (topic
     * creation completes at the controller; brokers learn of it from the metadata log a moment later), so an
     * unknown topic is asked again for up to 30 s.
     */
    public int partitions(String topic) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(30, TimeUnit.SECONDS);
                return d.get(topic).partitions().size();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getMessage(), e);
                }
            } catch (Exception e) {
                throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getMessage(), e);
            }
            try {
                Thread.sleep(100); // asking again after a broker metadata update, bounded by the deadline above
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while describing " + topic, e);
            }
        }
    }

    public void delete(List<String> names) {
        try {
            Set<String> existing = topicNames();
            List<String> present = names.stream().filter(existing::contains).toList();
            if (!present.isEmpty()) admin.deleteTopics(present).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot delete topics " + names + ": " + e.getMessage(), e);
        }
    }

    /** The cluster's topics; a {@link StartupError} when no broker answers within 30 s. */
    public Set<String> topicNames() throws ExecutionException, InterruptedException {
        try {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            // closing would otherwise wait for the call's own timeout (a minute) to say the same
            admin.close(java.time.Duration.ZERO);
            throw new StartupError("no Kafka broker answered at " + bootstrapServers + " within 30 s (is one "
                    + "running there, e.g. `meshpulse broker`? --bootstrap-servers or MESHPULSE_BOOTSTRAP_SERVERS)");
        }
    }

    /** Creates {@code topic}, one partition, compacted, unless it exists. */
    public void ensureCompacted(String topic) throws ExecutionException, InterruptedException, TimeoutException {
        if (topicNames().contains(topic)) return;
        NewTopic t = new NewTopic(topic, java.util.Optional.of(1), java.util.Optional.empty())
                .configs(Map.of("cleanup.policy", "compact"));
        try {
            admin.createTopics(List.of(t)).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}

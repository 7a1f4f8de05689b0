package io.meshpulse.app.replay;

import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.model.IpOwner;
import io.meshpulse.topology.Names;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Before a replay ends its input, waits until the topology has processed and committed every line, and until the
 * IP table (a global store, fed through a topic) holds every IP those lines announced. Only then may the windows
 * close: callers are resolved from the IP table when a window closes, and in a replay that is at once, so an IP
 * announced by the last lines would otherwise still be in flight (exactly-once makes it visible only at commit).
 * Live, the grace period gives the table all the time it needs.
 */
final class IpTableSettle {
    private IpTableSettle() {}

    static void await(String bootstrap, Map<String, Object> kafka, String applicationId, String rawTopic,
                      String ipTopic, OutputCollector collector, KafkaStreams streams, Runnable checkFailed,
                      Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(TopicAdmin.config(bootstrap, kafka))) {
            Map<TopicPartition, Long> ends;
            try {
                ends = Waits.endOffsets(admin, rawTopic, IsolationLevel.READ_UNCOMMITTED);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("cannot read the end offsets of " + rawTopic, e.getCause());
            }
            waitFor("the topology to commit every line", deadline, checkFailed,
                    () -> Waits.committedPast(admin, applicationId, ends));
            // Every IP announced: the IP topic's keys up to its committed end, as the collector has read them all
            // along (a consumer of its own, made here, took about half a second to read the few records).
            Map<TopicPartition, Long> ipEnds;
            try {
                ipEnds = Waits.endOffsets(admin, ipTopic, IsolationLevel.READ_COMMITTED);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("cannot read the end offsets of " + ipTopic, e.getCause());
            }
            waitFor("the IP topic to be read to its end", deadline, checkFailed, () -> collector.readTo(ipEnds));
        }
        Set<String> ips = collector.ipKeys();
        ReadOnlyKeyValueStore<String, IpOwner> table = streams.store(StoreQueryParameters.fromNameAndType(
                Names.IP_OWNERS_STORE, QueryableStoreTypes.<String, IpOwner>keyValueStore()));
        Set<String> missing = new HashSet<>(ips);
        waitFor("the IP table to hold " + ips.size() + " announced IPs", deadline, checkFailed, () -> {
            missing.removeIf(ip -> table.get(ip) != null);
            return missing.isEmpty();
        });
    }

    private static void waitFor(String what, long deadline, Runnable checkFailed, Waits.Check check)
            throws InterruptedException {
        if (!Waits.until(deadline, checkFailed, check)) throw new IllegalStateException("timed out waiting for " + what);
    }
}

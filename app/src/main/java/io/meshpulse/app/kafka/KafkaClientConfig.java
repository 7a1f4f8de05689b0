package io.meshpulse.app.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka client properties file of {@code --kafka-config} / {@code MESHPULSE_KAFKA_CONFIG}: settings (typically
 * {@code security.protocol}, {@code sasl.*}, {@code ssl.*}) merged over meshpulse's own into every producer,
 * consumer, admin client and Streams config a command creates. The file may hold credentials
 * ({@code sasl.jaas.config}), so only its keys are ever logged or shown in an error.
 *
 * <p>Some keys meshpulse sets itself because correctness depends on them (transactional ids that fence per
 * node, consumer groups, read_committed, exactly-once); a file that sets one is refused with a message naming it,
 * rather than silently breaking fencing or delivery guarantees.
 */
public final class KafkaClientConfig {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaClientConfig.class);

    /** The environment variable a command reads when {@code --kafka-config} is not given. */
    public static final String ENV = "MESHPULSE_KAFKA_CONFIG";

    /** Keys meshpulse owns, with where the setting comes from instead. */
    static final Map<String, String> OWNED = Map.ofEntries(
            Map.entry("bootstrap.servers", "give it with --bootstrap-servers or MESHPULSE_BOOTSTRAP_SERVERS"),
            Map.entry("application.id", "give it with run --application-id"),
            Map.entry("group.instance.id", "give it with run --group-instance-id or MESHPULSE_GROUP_INSTANCE_ID"),
            Map.entry("group.id", "each meshpulse consumer has a group of its own"),
            Map.entry("transactional.id", "meshpulse derives one per tailer node and per poller, for fencing"),
            Map.entry("processing.guarantee", "meshpulse runs exactly_once_v2"),
            Map.entry("isolation.level", "meshpulse reads read_committed where it must"),
            Map.entry("enable.idempotence", "meshpulse's producers are idempotent"),
            Map.entry("enable.auto.commit", "meshpulse commits with its transactions"),
            Map.entry("key.serializer", "meshpulse chooses its serializers"),
            Map.entry("value.serializer", "meshpulse chooses its serializers"),
            Map.entry("key.deserializer", "meshpulse chooses its deserializers"),
            Map.entry("value.deserializer", "meshpulse chooses its deserializers"));

    private KafkaClientConfig() {}

    /** The file to use: the option when given, else {@value #ENV} when set and not blank, else none. */
    public static Path resolve(Path option, Map<String, String> env) {
        if (option != null) return option;
        String v = env.get(ENV);
        return v == null || v.isBlank() ? null : Path.of(v.trim());
    }

    /**
     * Reads the file (none: an empty map). A missing or unreadable file, or one setting a key meshpulse owns, is
     * an {@link IllegalArgumentException} naming the file and the keys, never the values.
     */
    public static Map<String, Object> load(Path file) {
        if (file == null) return Map.of();
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Kafka client config " + file + " (--kafka-config / " + ENV
                    + ") does not exist");
        } catch (IOException | IllegalArgumentException e) {
            // Properties.load's message may quote a malformed line (a \\u escape); do not repeat it
            throw new IllegalArgumentException("cannot read the Kafka client config " + file + " (--kafka-config / "
                    + ENV + "): " + e.getClass().getSimpleName());
        }
        Map<String, Object> m = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k.trim(), p.getProperty(k).trim()));
        List<String> owned = m.keySet().stream().filter(OWNED::containsKey).toList();
        if (!owned.isEmpty()) {
            StringBuilder msg = new StringBuilder("the Kafka client config " + file + " sets what meshpulse sets itself:");
            owned.forEach(k -> msg.append(' ').append(k).append(" (").append(OWNED.get(k)).append(");"));
            msg.setLength(msg.length() - 1);
            throw new IllegalArgumentException(msg.toString());
        }
        LOG.info("Kafka client settings from {} merged into every client: {}", file, keys(m));
        return Collections.unmodifiableMap(m);
    }

    /** The keys only, sorted: what may be logged of a client config. */
    public static Set<String> keys(Map<String, ?> config) {
        return Collections.unmodifiableSet(new java.util.TreeSet<>(config.keySet()));
    }
}

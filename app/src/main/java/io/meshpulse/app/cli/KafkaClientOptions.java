package io.meshpulse.app.cli;

import io.meshpulse.app.kafka.KafkaClientConfig;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --kafka-config FILE}, shared by every command that talks to Kafka: client properties (security settings
 * of an existing cluster) merged into every producer, consumer, admin client and Streams config it creates.
 * Without the option, {@code MESHPULSE_KAFKA_CONFIG} names the file.
 */
final class KafkaClientOptions {
    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties merged into every Kafka client of this command (security settings "
                    + "for an existing cluster; default $" + KafkaClientConfig.ENV + "). Only its keys are logged.")
    Path file;

    /** The environment the default comes from; tests replace it. */
    Map<String, String> env = System.getenv();

    private Map<String, Object> loaded;

    /** The file in effect: the option, else the environment variable, else null. */
    Path file() {
        return KafkaClientConfig.resolve(file, env);
    }

    /** The settings to merge into every client (empty without a file); read once. Bad file: a {@link SettingsError}. */
    Map<String, Object> overrides() {
        if (loaded == null) {
            try {
                loaded = KafkaClientConfig.load(file());
            } catch (IllegalArgumentException e) {
                throw new SettingsError(e.getMessage());
            }
        }
        return loaded;
    }
}

package io.meshpulse.app.cli;

/**
 * Raises the log level of whole logger trees for one command, before any logger of theirs exists: simplelogger
 * reads a logger's level when the logger is made, system properties before {@code simplelogger.properties}. A level
 * the user set as a system property ({@code -Dorg.slf4j.simpleLogger.log.<name>=…}, e.g. in
 * {@code MESHPULSE_JAVA_OPTS}) is kept.
 */
final class LogLevels {
    private LogLevels() {}

    /**
     * Kafka's broker and clients, run in-process by meshpulse itself (the embedded broker), at errors only: at start
     * they warn about what is normal there (Streams' internal topics not created yet, an empty metadata log, a state
     * folder in the temporary directory, two clients racing to create the transaction log). Against a cluster of the
     * user's, their warnings stay: they name the cluster's problems (a broker that cannot be reached, a missing topic).
     */
    static void embeddedKafkaErrorsOnly() {
        unlessSet("org.apache.kafka", "error");
        unlessSet("kafka", "error"); // the broker's own classes (kafka.server…)
    }

    /**
     * For the standalone broker: the one warning that comes in bursts and describes nothing wrong off. When the
     * first transactional clients connect together, each asks for the transaction log and the broker warns, once
     * per client, that creating it failed because another request just created it.
     */
    static void brokerRacesOff() {
        unlessSet("kafka.server.DefaultAutoTopicCreationManager", "error");
    }

    /** meshpulse's own progress lines off (warnings stay): for output that is a table of its own, as the demo's. */
    static void meshpulseWarningsOnly() {
        unlessSet("io.meshpulse", "warn");
    }

    private static void unlessSet(String logger, String level) {
        String key = "org.slf4j.simpleLogger.log." + logger;
        if (System.getProperty(key) == null) System.setProperty(key, level);
    }
}

package io.meshpulse.app.cli;

import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.model.Topics;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run meshpulse's single-node Kafka broker (KRaft) on 127.0.0.1 for other processes, with its topics.")
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9092", description = "Listener port (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data", defaultValue = "./data", description = "Data folder (default ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of meshpulse's topics (default ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws InterruptedException {
        LogLevels.brokerRacesOff();
        EmbeddedBroker broker = EmbeddedBroker.start(data, port);
        try (TopicAdmin admin = new TopicAdmin(broker.bootstrapServers())) {
            admin.ensure(Topics.defaults(), partitions, Optional.of((short) 1));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("stopping the broker");
            broker.close();
            stopped.countDown();
        }, "meshpulse-broker-shutdown"));
        System.err.println("Kafka broker on " + broker.bootstrapServers() + " with meshpulse topics; data in "
                + data.toAbsolutePath() + ". Ctrl-C stops it.");
        stopped.await();
        return 0;
    }
}

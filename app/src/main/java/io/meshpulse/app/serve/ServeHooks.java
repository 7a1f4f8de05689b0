package io.meshpulse.app.serve;

import io.meshpulse.app.replay.Replay;
import io.meshpulse.model.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Serves a replay (or the demo) over HTTP while it runs and, when asked, after it completes until Ctrl-C: the
 * server binds first so that its address can go into {@code application.server}, then attaches to the running
 * application.
 */
public final class ServeHooks implements Replay.Hooks, AutoCloseable {
    private final Server server;
    private final boolean stayUp;
    private final PrintStream out;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private java.util.function.Consumer<Replay.Summary> beforeStaying = s -> {};

    public ServeHooks(ServeOptions options, boolean stayUp, PrintStream out) throws IOException {
        this(options, stayUp, out, false);
    }

    /** With {@code anyPortIfBusy}, a taken port is not an error: the server takes a free one (the demo). */
    public ServeHooks(ServeOptions options, boolean stayUp, PrintStream out, boolean anyPortIfBusy) throws IOException {
        Server s;
        try {
            s = Server.bind(options.withFeedFromStart(true), null);
        } catch (java.net.BindException e) {
            if (!anyPortIfBusy || options.port() == 0) throw e;
            out.println("Port " + options.port() + " is taken; serving on a free port instead (--http-port to choose).");
            s = Server.bind(options.withFeedFromStart(true).withPort(0), null);
        }
        this.server = s;
        this.stayUp = stayUp;
        this.out = out;
    }

    /**
     * Something to do once the replay completes, before waiting for Ctrl-C (e.g. print the results: after Ctrl-C
     * the process is shutting down and nothing printed then is sure to be seen).
     */
    public ServeHooks beforeStaying(java.util.function.Consumer<Replay.Summary> r) {
        this.beforeStaying = r;
        return this;
    }

    public Server server() {
        return server;
    }

    @Override
    public boolean queriesStores() {
        return true;
    }

    @Override
    public void configure(Properties streamsConfig) {
        streamsConfig.put(StreamsConfig.APPLICATION_SERVER_CONFIG, server.applicationServer());
        streamsConfig.put(io.meshpulse.topology.stream.CloseHolds.CONFIG, server.closeHolds());
    }

    @Override
    public void onRunning(KafkaStreams streams, Topics topics, String bootstrapServers) {
        server.attach(streams, topics, bootstrapServers);
        out.println("Triage page: " + server.url() + "   (metrics: " + server.url() + "metrics, API: "
                + server.url() + "api/v1/pairs)");
    }

    @Override
    public void afterComplete(Replay.Summary summary) throws InterruptedException {
        if (!stayUp) return;
        beforeStaying.accept(summary);
        out.println();
        out.println("Replay complete; still serving " + server.url() + " — press Ctrl-C to stop.");
        out.println("From another terminal: " + SelfName.word(SelfName.fromEnvironment(), "bin/meshpulse")
                + " triage top --url " + server.url());
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(30, TimeUnit.SECONDS); // let the run shut its application and broker down
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "meshpulse-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        stop.await();
    }

    /** Ends a stay-up wait (tests; the shutdown hook does this on Ctrl-C). */
    public void release() {
        stop.countDown();
    }

    @Override
    public void close() {
        server.close();
        stopped.countDown();
    }
}

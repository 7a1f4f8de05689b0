package io.meshpulse.app.ingest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.meshpulse.app.cli.MeshpulseProcess;
import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.model.Topics;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshpulse ingest prometheus} stopped by SIGTERM, as a child JVM on a real embedded broker: it ends within
 * seconds and says what it committed and whether a poll was under way. Until session 16 its shutdown hook only
 * interrupted the polling thread, and the JVM ended without a word, whatever the loop was doing (a commit under way
 * died with it; {@code PollLoopStopTest} covers that part). The query API is a local server in Prometheus' documented
 * matrix shape, which can also hold a query unanswered, as a slow Prometheus would.
 */
class PollerStopIT {
    private static final String SERIES = "{\"metric\":{\"reporter\":\"source\",\"source_workload\":\"frontend\","
            + "\"source_workload_namespace\":\"shop\",\"destination_service\":\"cart.shop.svc.cluster.local\","
            + "\"destination_service_namespace\":\"shop\",\"destination_workload\":\"cart\","
            + "\"destination_workload_namespace\":\"shop\",\"response_code\":\"200\",\"response_flags\":\"-\"},"
            + "\"values\":[[%d,\"7\"]]}";

    @Test
    void stoppedBetweenPolls(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp) throws Exception {
        String out = stop(tmp, false);
        assertTrue(out.matches("(?s).*prometheus: stopped by a signal: 1 poll\\(s\\) committed in this run "
                + "\\([1-9][0-9]* records\\); the source is read up to 20.*"), out);
        assertFalse(out.contains("abandoned"), out);
    }

    @Test
    void stoppedWhilePrometheusHoldsTheQuery(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp) throws Exception {
        String out = stop(tmp, true);
        assertTrue(out.contains("prometheus: stopped by a signal: 0 poll(s) committed in this run (0 records); the poll "
                + "under way was abandoned and is polled again from the last checkpoint at the next start"), out);
        assertFalse(out.contains("poll failed"), "a stop reported as a failed poll: " + out);
    }

    /**
     * Runs the poller until it has committed its first poll (or, with {@code hold}, until Prometheus has a query it
     * does not answer), sends SIGTERM and returns the child's output once it has ended, which must be soon.
     */
    private static String stop(Path tmp, boolean hold) throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        HttpServer prom = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        prom.createContext("/api/v1/query_range", ex -> {
            String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            asked.countDown();
            if (hold) {
                try {
                    released.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String series = form.contains("istio_requests_total")
                    ? String.format(SERIES, System.currentTimeMillis() / 1000 - 5) : "";
            byte[] b = ("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[" + series + "]}}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        prom.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        prom.start();
        Path log = tmp.resolve("poller.log");
        try (EmbeddedBroker broker = EmbeddedBroker.start(tmp.resolve("kafka"), 0)) {
            try (TopicAdmin admin = new TopicAdmin(broker.bootstrapServers())) {
                admin.ensure(Topics.withPrefix("stop."), 1, Optional.of((short) 1));
            }
            Process p = MeshpulseProcess.start(MeshpulseProcess.SMALL_JVM, Map.of(), List.of("ingest", "prometheus",
                    "--url", "http://127.0.0.1:" + prom.getAddress().getPort(), "--bootstrap-servers",
                    broker.bootstrapServers(), "--topic-prefix", "stop.", "--step", "1s", "--lookback", "1m",
                    "--delay", "0s", "--interval", "1h", "--http-port", "0"), log);
            try {
                long by = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (hold ? asked.getCount() > 0
                        : ChildOutput.metric(log, "meshpulse_ingest_produced_total", "prometheus") == 0) {
                    assertTrue(p.isAlive(), "the poller ended: " + Files.readString(log));
                    assertTrue(System.nanoTime() < by, "no first poll within 60 s: " + ChildOutput.lastLines(log, 20));
                    p.waitFor(50, TimeUnit.MILLISECONDS);
                }
                long signalled = System.nanoTime();
                p.destroy(); // SIGTERM
                assertTrue(p.waitFor(15, TimeUnit.SECONDS), "still running 15 s after SIGTERM");
                long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
                assertTrue(took < 8_000, "took " + took + " ms to stop: " + ChildOutput.lastLines(log, 20));
            } finally {
                p.destroyForcibly().waitFor();
                released.countDown();
                prom.stop(0);
            }
        }
        return Files.readString(log);
    }
}

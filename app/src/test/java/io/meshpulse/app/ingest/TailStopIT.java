package io.meshpulse.app.ingest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.app.cli.MeshpulseProcess;
import io.meshpulse.app.kafka.EmbeddedBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest tail} as a child JVM, stopped with SIGTERM as Kubernetes stops a pod: with the broker there, and with
 * the broker gone (a send or commit then blocks for a minute). Either way it must end within seconds, long before
 * the 30 s after which Kubernetes kills it. Until session 15 it took 16–17 s even with the broker there: its shutdown
 * hook waited for the main thread to end, and the main thread, done tailing, was waiting in {@code System.exit} for
 * the hooks to end.
 */
class TailStopIT {

    @Test
    void sigtermEndsTheTailerWithinSecondsWithOrWithoutABroker(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp)
            throws Exception {
        Path file = Files.createDirectories(tmp.resolve("pods/shop_cart-1_uid/istio-proxy")).resolve("0.log");
        Files.writeString(file, "2026-11-23T05:00:00.000000000Z stdout F first line\n");
        EmbeddedBroker broker = EmbeddedBroker.start(tmp.resolve("kafka"), 0);
        boolean brokerUp = true;
        try {
            String bootstrap = broker.bootstrapServers();
            Path up = tmp.resolve("tailer-up.log");
            Process p = start(bootstrap, tmp, up);
            try {
                RawTopicLines.read(bootstrap, "stop.accesslog.raw", 1, Duration.ofSeconds(60), l -> 0L);
                long took = sigterm(p, 30);
                assertTrue(took < 8_000, "with the broker there, ended " + took + " ms after SIGTERM: "
                        + ChildOutput.lastLines(up, 20));
            } finally {
                p.destroyForcibly().waitFor();
            }

            Path down = tmp.resolve("tailer-down.log");
            p = start(bootstrap, tmp, down);
            try {
                long by = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!Files.readString(down).contains("following ") && System.nanoTime() < by) {
                    assertTrue(p.isAlive(), "the tailer ended: " + ChildOutput.lastLines(down, 20));
                    p.waitFor(50, TimeUnit.MILLISECONDS);
                }
                broker.close();
                brokerUp = false;
                Files.writeString(file, "2026-11-23T05:00:01.000000000Z stdout F second line\n",
                        java.nio.file.StandardOpenOption.APPEND);
                // Blocked: the tailer commits (a heartbeat at least) every second, and its last commit is now over
                // 3 s old, its next heartbeat or line waiting on the absent broker.
                by = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                double age = 0;
                while ((age = ChildOutput.metric(down, "meshpulse_ingest_checkpoint_age_seconds", "tail")) < 3
                        && System.nanoTime() < by) {
                    assertTrue(p.isAlive(), "the tailer ended: " + ChildOutput.lastLines(down, 20));
                    p.waitFor(100, TimeUnit.MILLISECONDS);
                }
                assertTrue(age >= 3, "the tailer still commits without a broker? " + ChildOutput.lastLines(down, 20));
                long took = sigterm(p, 40);
                assertTrue(took < 12_000, "with the broker gone, ended " + took + " ms after SIGTERM: "
                        + ChildOutput.lastLines(down, 20));
                assertTrue(Files.readString(down).contains("dropping it uncommitted"), ChildOutput.lastLines(down, 20));
            } finally {
                p.destroyForcibly().waitFor();
            }
        } finally {
            if (brokerUp) broker.close();
        }
    }

    /** Sends SIGTERM and returns how long the process took to end, in ms (fails after {@code maxSeconds}). */
    private static long sigterm(Process p, int maxSeconds) throws InterruptedException {
        long t0 = System.nanoTime();
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(maxSeconds, TimeUnit.SECONDS), "still running " + maxSeconds + " s after SIGTERM");
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    private static Process start(String bootstrap, Path tmp, Path out) throws IOException {
        return MeshpulseProcess.start(MeshpulseProcess.SMALL_JVM, Map.of(), List.of("ingest", "tail", "--path",
                tmp + "/pods/*/*/*.log", "--bootstrap-servers", bootstrap, "--node", "stop-node", "--from-beginning",
                "--topic-prefix", "stop.", "--http-port", "0"), out);
    }
}

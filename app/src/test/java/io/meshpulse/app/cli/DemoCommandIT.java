package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshpulse demo} as a newcomer runs it from a terminal: it stays up serving the triage page after the replay
 * until Ctrl-C. Everything the demo is for (the incident's alert with its diagnosis and commands, where the results
 * are) must be on the screen before it starts waiting, since a process stopped with Ctrl-C prints nothing reliable.
 * Run as a JVM of its own with {@code --stay} (what a terminal turns on), then stopped with SIGTERM.
 */
class DemoCommandIT {

    @Test
    void fromATerminalTheAlertIsPrintedBeforeTheDemoWaitsForCtrlC(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("demo");
        Path log = dir.resolve("demo.log");
        // The folder as an earlier demo left it (one of its pods' logs, its answer key and a result): a second demo
        // into it replaces them rather than appending a second copy of every line to the logs.
        Path earlierPod = out.resolve("logs/var/log/pods/checkout_checkout-api-7d9f8b6c5d-x2x2x_0000/istio-proxy");
        Files.createDirectories(earlierPod);
        Files.writeString(earlierPod.resolve("0.log"), "2026-11-20T10:00:00.000000001Z stdout F an earlier demo's line\n");
        Files.writeString(out.resolve("truth.json"), "{}");
        Files.createDirectories(out.resolve("results"));
        Files.writeString(out.resolve("results/earlier.jsonl"), "{}\n");
        Process p = MeshpulseProcess.start(List.of("-Xmx512m", "-XX:+UseSerialGC"), Map.of(),
                List.of("demo", "--stay", "--http-port", "0", "--out", out.toString()), log);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            String text = "";
            while (!text.contains("press Ctrl-C")) {
                assertTrue(p.isAlive() || read(log).contains("press Ctrl-C"),
                        "the demo ended before it stayed up (exit " + (p.isAlive() ? "-" : p.exitValue()) + "):\n" + read(log));
                assertTrue(System.nanoTime() < deadline, "no 'press Ctrl-C' within 240 s:\n" + read(log));
                p.waitFor(200, TimeUnit.MILLISECONDS); // polling the child's output, bounded by the deadline
                text = read(log);
            }
            String before = text.substring(0, text.indexOf("press Ctrl-C"));
            assertTrue(before.contains("FIRING [critical] UC  checkout/checkout-api → checkout/payments-api"),
                    "the incident's alert is on the screen before the wait:\n" + before);
            assertTrue(before.contains("Confirm:") && before.contains("--istioNamespace aks-istio-system"),
                    "with the commands that confirm it, for the AKS add-on:\n" + before);
            assertTrue(before.contains("RESOLVED"), "and how it ended:\n" + before);
            assertTrue(before.contains("Results: " + out.resolve("results")), before);
            assertTrue(before.contains("Next: bin/meshpulse replay --input " + out.resolve("logs")), before);
            assertEquals(1, count(before, "alert record(s) in"), "the report is printed once:\n" + before);

            // still serving: the triage API answers at the address it printed
            Matcher m = Pattern.compile("Triage page: (http://127\\.0\\.0\\.1:\\d+/)").matcher(before);
            assertTrue(m.find(), before);
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(m.group(1) + "api/v1/pairs")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("payments-api"), r.body());

            p.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the shutdown hook ends the wait
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the demo stops on SIGTERM:\n" + read(log));
            assertEquals(1, count(read(log), "alert record(s) in"), "nothing printed twice on the way out");
            // A newcomer sees the table and the alert, not Kafka's start-up chatter or meshpulse's progress lines
            List<String> logged = read(log).lines().filter(l -> l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[.*"))
                    .toList();
            assertEquals(List.of(), logged, "log lines in the demo's output");
            assertTrue(Files.exists(out.resolve("truth.json")) && !Files.exists(out.resolve("logs/truth.json")),
                    "the generator's answer key lies beside the logs, not among them");

            assertTrue(before.contains("Replacing the earlier demo's logs and results in " + out), before);
            assertTrue(!Files.exists(earlierPod) && !Files.exists(out.resolve("results/earlier.jsonl")),
                    "the earlier demo's files are gone");
            long written = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("truth.json").toFile())
                    .get("lines").asLong();
            long read = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(out.resolve("results/summary.json").toFile()).get("linesRead").asLong();
            assertEquals(written, read, "the replay read this demo's lines, once");
            assertTrue(before.contains("dead-lettered (") && !before.contains("late: "),
                    "no line dead-lettered as late:\n" + before);
        } finally {
            p.destroyForcibly();
        }
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }
}

package io.meshpulse.alerts.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshpulse.model.Alert;
import io.meshpulse.model.Json;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.Times;
import io.meshpulse.model.WorkloadRef;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Alertmanager (Debian package prometheus-alertmanager, installed by .ci/run) on 127.0.0.1: an alert sent
 * by the sink shows up active with its labels and annotations, and is gone from the active list once the
 * resolved record (with endsAt) is sent. With two of them, one stopped, the alert reaches the live one at once and
 * the other once it runs again.
 */
class AlertmanagerSinkIT {
    static final String BINARY = System.getProperty("meshpulse.alertmanager", "/usr/bin/prometheus-alertmanager");
    Process am;
    URI base;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        assertTrue(Files.isExecutable(Path.of(BINARY)),
                BINARY + " is missing: apt-get install prometheus-alertmanager (see .ci/run)");
        int port = freePort();
        am = startAlertmanager(dir.resolve("am"), port);
        base = URI.create("http://127.0.0.1:" + port);
        waitFor(() -> get(base, "/-/ready").statusCode() == 200, "alertmanager ready");
    }

    /** An Alertmanager on 127.0.0.1:{@code port} with its files under {@code dir}, not clustered. */
    static Process startAlertmanager(Path dir, int port) throws IOException {
        Files.createDirectories(dir);
        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, """
                route:
                  receiver: none
                  group_wait: 0s
                  group_interval: 1s
                receivers:
                  - name: none
                """);
        return new ProcessBuilder(BINARY, "--config.file=" + config, "--storage.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address=")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("am.log").toFile()))
                .start();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void stop(Process p) throws InterruptedException {
        if (p != null) {
            p.destroy();
            p.waitFor();
        }
    }

    @AfterEach
    void stop() throws Exception {
        stop(am);
    }

    HttpResponse<String> get(String path) {
        return get(base, path);
    }

    HttpResponse<String> get(URI at, String path) {
        try {
            return http.send(HttpRequest.newBuilder(at.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new FakeResponse();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    void waitFor(java.util.function.BooleanSupplier c, String what) {
        org.awaitility.Awaitility.await(what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(c::getAsBoolean);
    }

    JsonNode activeAlerts() throws IOException {
        return activeAlerts(base);
    }

    JsonNode activeAlerts(URI at) throws IOException {
        return Json.MAPPER.readTree(get(at, "/api/v2/alerts").body());
    }

    JsonNode find(JsonNode alerts, Predicate<JsonNode> p) {
        for (JsonNode a : alerts) if (p.test(a)) return a;
        return null;
    }

    static Alert alert(String status, Instant start, Instant end) {
        return alert(status, start, end, "critical");
    }

    static Alert alert(String status, Instant start, Instant end, String severity) {
        return new Alert("0f1e2d3c4b5a6978", status, "UC", "source", new WorkloadRef("checkout", "checkout-api"),
                new ServiceRef("checkout", "payments-api.checkout.svc.cluster.local", "payments-api"),
                Times.rfc3339(start.toEpochMilli()), Times.rfc3339(start.toEpochMilli() + 10_000),
                end == null ? null : Times.rfc3339(end.toEpochMilli()), severity,
                new Alert.Observed(Times.rfc3339(start.toEpochMilli()), Times.rfc3339(start.toEpochMilli() + 10_000),
                        30, 18, 0.6, 0.0),
                new Alert.Diagnosis("Client sends plaintext to an mTLS-only server (503 UC)", "checkout-api → payments-api: 60% 503 UC",
                        List.of("server logs filter_chain_not_found"),
                        List.of("kubectl get destinationrule -A -o yaml | grep -B8 -A3 'mode: DISABLE'"),
                        List.of("Set trafficPolicy.tls.mode: ISTIO_MUTUAL")),
                List.of());
    }

    @Test
    void firingThenResolvedThroughTheRealApi() throws Exception {
        AlertmanagerSink sink = new AlertmanagerSink(base, Duration.ofSeconds(30), Duration.ofMillis(200), Duration.ofSeconds(1));
        Instant start = Instant.now().minusSeconds(60);
        sink.accept(alert(Alert.FIRING, start, null));

        waitFor(() -> {
            try {
                return find(activeAlerts(), a -> a.path("labels").path("fingerprint").asText().equals("0f1e2d3c4b5a6978")) != null;
            } catch (IOException e) {
                return false;
            }
        }, "the alert to be active");
        JsonNode a = find(activeAlerts(), x -> x.path("labels").path("fingerprint").asText().equals("0f1e2d3c4b5a6978"));
        assertEquals("MeshpulsePairUc", a.path("labels").path("alertname").asText());
        assertEquals("checkout/checkout-api -> checkout/payments-api", a.path("labels").path("pair").asText());
        assertEquals("UC", a.path("labels").path("class").asText());
        assertEquals("critical", a.path("labels").path("severity").asText());
        assertEquals("active", a.path("status").path("state").asText());
        assertEquals("Client sends plaintext to an mTLS-only server (503 UC) (checkout/checkout-api -> checkout/payments-api)",
                a.path("annotations").path("summary").asText());
        assertTrue(a.path("annotations").path("commands").asText().contains("mode: DISABLE"));
        assertTrue(a.path("annotations").path("description").asText().contains("filter_chain_not_found"));
        assertEquals(start.getEpochSecond(), Instant.parse(a.path("startsAt").asText()).getEpochSecond());

        // Re-sent while firing: a tick past the interval posts it again.
        long before = sink.posts();
        sink.tick(Instant.now().plusSeconds(31));
        assertEquals(before + 1, sink.posts());

        sink.accept(alert(Alert.RESOLVED, start, Instant.now().minusSeconds(1)));
        waitFor(() -> {
            try {
                return find(activeAlerts(), x -> x.path("labels").path("fingerprint").asText().equals("0f1e2d3c4b5a6978")) == null;
            } catch (IOException e) {
                return false;
            }
        }, "the alert to leave the active list once resolved");
        // Nothing firing is left to re-send.
        long after = sink.posts();
        sink.tick(Instant.now().plusSeconds(120));
        assertEquals(after, sink.posts());
    }

    /**
     * Alertmanager tells alerts apart by labels: when an update changes the severity, the old label set must end
     * there, or it stays open beside the new one and the final resolution closes only the new one.
     */
    @Test
    void aSeverityChangeLeavesOneAlertAndTheResolutionClosesIt() throws Exception {
        AlertmanagerSink sink = new AlertmanagerSink(base, Duration.ofSeconds(30), Duration.ofMillis(200), Duration.ofSeconds(1));
        Instant start = Instant.now().minusSeconds(60);
        sink.accept(alert(Alert.FIRING, start, null, "warning"));
        waitFor(() -> severities().equals(List.of("warning")), "the warning alert to be active");
        sink.accept(alert(Alert.FIRING, start, null, "critical"));
        waitFor(() -> severities().equals(List.of("critical")), "only the critical alert to be active");
        sink.accept(alert(Alert.RESOLVED, start, Instant.now().minusSeconds(1), "critical"));
        waitFor(() -> severities().isEmpty(), "no alert of the fingerprint to be active");
    }

    /** Re-sends of firing alerts are due every interval, however many new records were posted in between. */
    @Test
    void newRecordsDoNotPutOffTheResendOfTheOthers() {
        AlertmanagerSink sink = new AlertmanagerSink(base, Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ofSeconds(1));
        Instant t = Instant.now();
        sink.accept(alert(Alert.FIRING, t.minusSeconds(60), null));
        sink.tick(t);
        long afterFirstResend = sink.posts();
        sink.accept(alert(Alert.FIRING, t.minusSeconds(60), null, "warning")); // a new record, 50 s later say
        sink.tick(t.plusSeconds(50));
        assertEquals(afterFirstResend + 1, sink.posts(), "not due yet");
        sink.tick(t.plusSeconds(61));
        assertEquals(afterFirstResend + 2, sink.posts(), "due 60 s after the last re-send, not after the last record");
    }

    /**
     * Two Alertmanagers (replicas of one cluster, as far as the sink knows; not gossiping here, so each shows only
     * what it was sent), the second stopped: the alert is active on the first at once, and on the second once it
     * runs again; the resolution reaches both.
     */
    @Test
    void everyReplicaGetsTheAlertAndADownOneGetsItWhenItIsBack(@TempDir Path dir) throws Exception {
        int secondPort = freePort();
        URI second = URI.create("http://127.0.0.1:" + secondPort);
        Process other = startAlertmanager(dir.resolve("am-2"), secondPort);
        try {
            waitFor(() -> get(second, "/-/ready").statusCode() == 200, "the second alertmanager ready");
            stop(other); // a replica that is down (restarting, rescheduled)
            try (AlertmanagerSink sink = new AlertmanagerSink(List.of(base, second), Duration.ofSeconds(30),
                    Duration.ofMillis(200), Duration.ofSeconds(1))) {
                Instant start = Instant.now().minusSeconds(60);
                sink.accept(alert(Alert.FIRING, start, null));
                waitFor(() -> isActive(base), "the alert active on the live replica");
                waitFor(() -> sink.replica(1).failed() >= 2, "the stopped replica retried");
                waitFor(() -> sink.replica(0).sent() == 1, "the live replica's delivery counted");
                assertEquals(0, sink.replica(1).sent());

                other = startAlertmanager(dir.resolve("am-2"), secondPort);
                waitFor(() -> isActive(second), "the alert active on the second replica once it runs again");
                waitFor(() -> sink.replica(1).sent() == 1, "delivered by the retry (no re-send was due)");

                sink.accept(alert(Alert.RESOLVED, start, Instant.now().minusSeconds(1)));
                waitFor(() -> !isActive(base) && !isActive(second), "the alert resolved on both replicas");
            }
        } finally {
            stop(other);
        }
    }

    private boolean isActive(URI at) {
        try {
            JsonNode a = find(activeAlerts(at), x -> x.path("labels").path("fingerprint").asText().equals("0f1e2d3c4b5a6978"));
            return a != null && a.path("status").path("state").asText().equals("active");
        } catch (IOException e) {
            return false;
        }
    }

    private List<String> severities() {
        try {
            List<String> out = new java.util.ArrayList<>();
            for (JsonNode a : activeAlerts()) {
                if (a.path("labels").path("fingerprint").asText().equals("0f1e2d3c4b5a6978")
                        && a.path("status").path("state").asText().equals("active")) {
                    out.add(a.path("labels").path("severity").asText());
                }
            }
            return out;
        } catch (IOException e) {
            return List.of("unreachable");
        }
    }

    /** Stands for "not reachable yet" while Alertmanager starts. */
    static final class FakeResponse implements HttpResponse<String> {
        public int statusCode() { return -1; }
        public HttpRequest request() { return null; }
        public java.util.Optional<HttpResponse<String>> previousResponse() { return java.util.Optional.empty(); }
        public java.net.http.HttpHeaders headers() { return java.net.http.HttpHeaders.of(java.util.Map.of(), (x, y) -> true); }
        public String body() { return "[]"; }
        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return java.util.Optional.empty(); }
        public URI uri() { return null; }
        public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
    }
}

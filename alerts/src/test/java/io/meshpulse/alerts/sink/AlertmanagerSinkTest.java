package io.meshpulse.alerts.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.meshpulse.model.Alert;
import io.meshpulse.model.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several Alertmanager replicas, each a stand-in HTTP endpoint on 127.0.0.1: every replica gets every alert, one
 * that hangs or is down delays nobody else, and gets the alerts' current state once it is back.
 */
class AlertmanagerSinkTest {
    private static final Instant START = Instant.now().minusSeconds(60);
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) closeLater.get(i).close();
    }

    @Test
    void everyReplicaGetsEveryAlert() throws Exception {
        FakeAlertmanager a = fake(0, 200);
        FakeAlertmanager b = fake(0, 200);
        AlertmanagerSink sink = sink(List.of(a.base(), b.base()));
        sink.accept(AlertmanagerSinkIT.alert(Alert.FIRING, START, null));
        waitFor(() -> a.posts.size() == 1 && b.posts.size() == 1, "the firing alert at both replicas");
        sink.accept(AlertmanagerSinkIT.alert(Alert.RESOLVED, START, Instant.now()));
        waitFor(() -> a.posts.size() == 2 && b.posts.size() == 2, "the resolved alert at both replicas");
        for (FakeAlertmanager am : List.of(a, b)) {
            assertEquals("/api/v2/alerts", am.paths.get(0));
            assertTrue(am.posts.get(0).get(0).path("endsAt").isMissingNode(), am.posts.toString());
            assertTrue(am.posts.get(1).get(0).has("endsAt"), am.posts.toString());
        }
        waitFor(() -> sink.replica(0).sent() == 2 && sink.replica(1).sent() == 2, "both counted as sent");
        assertEquals(0, sink.replica(0).failed() + sink.replica(1).failed());
    }

    @Test
    void aReplicaThatHangsDelaysNobodyElse() throws Exception {
        // Takes connections and never answers: every POST to it waits for its 10 s request timeout.
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        List<Socket> held = new CopyOnWriteArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) held.add(silent.accept());
            } catch (IOException e) {
                // closed
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        closeLater.add(() -> {
            silent.close();
            for (Socket s : held) s.close();
        });
        FakeAlertmanager live = fake(0, 200);
        AlertmanagerSink sink = sink(List.of(URI.create("http://127.0.0.1:" + silent.getLocalPort()), live.base()));
        long t0 = System.nanoTime();
        sink.accept(AlertmanagerSinkIT.alert(Alert.FIRING, START, null, "warning"));
        sink.accept(AlertmanagerSinkIT.alert(Alert.FIRING, START, null, "critical"));
        waitFor(() -> live.has("critical", false) && live.has("warning", true),
                "the critical alert, and the warning one ended, at the live replica");
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(),
                "the live replica did not wait for the silent one's timeouts");
        assertEquals(0, sink.replica(0).sent());
    }

    @Test
    void aReplicaThatWasDownGetsEachAlertsCurrentStateWhenItIsBack() throws Exception {
        int port = freePort(); // nothing listens yet: connections are refused
        FakeAlertmanager live = fake(0, 200);
        AlertmanagerSink sink = sink(List.of(URI.create("http://127.0.0.1:" + port), live.base()));
        sink.accept(AlertmanagerSinkIT.alert(Alert.FIRING, START, null));
        waitFor(() -> live.posts.size() == 1, "the live replica gets the alert at once");
        waitFor(() -> sink.replica(0).failed() >= 2, "the down replica is retried");
        sink.accept(AlertmanagerSinkIT.alert(Alert.RESOLVED, START, Instant.now()));
        waitFor(() -> live.posts.size() == 2, "the live replica gets the resolution");
        assertEquals(1, sink.replica(0).pending(), "one alert waits for the down replica: its newest state");
        long failed = sink.replica(0).failed();
        waitFor(() -> sink.replica(0).failed() >= failed + 2, "an attempt that took the resolution along");

        FakeAlertmanager back = fake(port, 200);
        waitFor(() -> back.posts.size() == 1, "the replica gets what waited for it once it is back, without a re-send");
        assertEquals(1, back.posts.get(0).size(), back.posts.toString());
        assertTrue(back.posts.get(0).get(0).has("endsAt"), "the current state: resolved; " + back.posts);
        waitFor(() -> sink.replica(0).pending() == 0 && sink.replica(0).sent() == 1, "delivered");
    }

    @Test
    void aReplicaThatRefusesIsNotRetried() throws Exception {
        FakeAlertmanager refusing = fake(0, 400);
        FakeAlertmanager live = fake(0, 200);
        AlertmanagerSink sink = sink(List.of(refusing.base(), live.base()));
        sink.accept(AlertmanagerSinkIT.alert(Alert.FIRING, START, null));
        waitFor(() -> live.posts.size() == 1 && sink.replica(0).refused() == 1, "sent to one, refused by the other");
        assertEquals(0, sink.replica(0).pending(), "a refused delivery is dropped");
        assertEquals(1, refusing.posts.size());
    }

    @Test
    void reSendsGoToEveryReplica() throws Exception {
        FakeAlertmanager a = fake(0, 200);
        FakeAlertmanager b = fake(0, 200);
        AlertmanagerSink sink = sink(List.of(a.base(), b.base()));
        Instant t = Instant.now();
        sink.accept(AlertmanagerSinkIT.alert(Alert.FIRING, START, null));
        waitFor(() -> a.posts.size() == 1 && b.posts.size() == 1, "the record at both");
        sink.tick(t);
        waitFor(() -> a.posts.size() == 2 && b.posts.size() == 2, "the first re-send at both");
        sink.tick(t.plusSeconds(30));
        assertEquals(2, sink.posts(), "not due yet");
        sink.tick(t.plusSeconds(61));
        assertEquals(3, sink.posts());
        waitFor(() -> a.posts.size() == 3 && b.posts.size() == 3, "the next re-send at both");
    }

    private AlertmanagerSink sink(List<URI> bases) {
        AlertmanagerSink s = new AlertmanagerSink(bases, Duration.ofSeconds(60), Duration.ofMillis(50), Duration.ofMillis(200));
        closeLater.add(s);
        return s;
    }

    private FakeAlertmanager fake(int port, int status) throws IOException {
        FakeAlertmanager f = new FakeAlertmanager(port, status);
        closeLater.add(f);
        return f;
    }

    private static void waitFor(BooleanSupplier c, String what) {
        Awaitility.await(what).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(c::getAsBoolean);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Answers every POST with {@code status} and keeps what it was sent. */
    static final class FakeAlertmanager implements AutoCloseable {
        final HttpServer server;
        final List<JsonNode> posts = new CopyOnWriteArrayList<>();
        final List<String> paths = new CopyOnWriteArrayList<>();

        FakeAlertmanager(int port, int status) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
            server.createContext("/", ex -> {
                try (ex) {
                    posts.add(Json.MAPPER.readTree(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                    paths.add(ex.getRequestURI().getPath());
                    ex.sendResponseHeaders(status, -1);
                }
            });
            server.start();
        }

        URI base() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        }

        /** True when an alert of {@code severity} was sent, with endsAt or without. */
        boolean has(String severity, boolean ended) {
            for (JsonNode post : posts) {
                for (JsonNode a : post) {
                    if (a.at("/labels/severity").asText().equals(severity) && a.has("endsAt") == ended) return true;
                }
            }
            return false;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}

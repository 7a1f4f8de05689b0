package io.meshpulse.alerts.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.meshpulse.model.Alert;
import io.meshpulse.model.Json;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WebhookSinkTest {
    @Test
    void retriesServerErrorsWithBackoffAndDeliversTheContractJson() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            int code = calls.incrementAndGet() < 3 ? 503 : 204;
            ex.sendResponseHeaders(code, -1);
            ex.close();
        });
        server.start();
        try {
            WebhookSink sink = new WebhookSink(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook?token=s3cret"),
                    4, Duration.ofMillis(10));
            Alert a = AlertmanagerSinkIT.alert(Alert.FIRING, Instant.parse("2026-11-20T10:02:00Z"), null);
            sink.accept(a);
            assertEquals(3, calls.get(), "two 503s, then delivered");
            assertEquals(1, sink.delivered());
            var json = Json.MAPPER.readTree(bodies.get(2));
            assertEquals("firing", json.get("status").asText());
            assertEquals("UC", json.get("failureClass").asText());
            assertTrue(json.get("diagnosis").get("commands").isArray());
            assertEquals("http://127.0.0.1:" + server.getAddress().getPort() + "/hook",
                    Http.safe(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook?token=s3cret")),
                    "logs never show the query string");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void doesNotRetryAClientError() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            calls.incrementAndGet();
            ex.sendResponseHeaders(400, -1);
            ex.close();
        });
        server.start();
        try {
            WebhookSink sink = new WebhookSink(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook"),
                    4, Duration.ofMillis(10));
            sink.accept(AlertmanagerSinkIT.alert(Alert.FIRING, Instant.parse("2026-11-20T10:02:00Z"), null));
            assertEquals(1, calls.get());
            assertEquals(1, sink.failed());
        } finally {
            server.stop(0);
        }
    }
}

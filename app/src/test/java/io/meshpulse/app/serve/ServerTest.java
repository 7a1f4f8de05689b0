package io.meshpulse.app.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server before it is attached: probes, token, page, errors. No broker needed. */
class ServerTest {

    @Test
    void probesAreOpenDataNeedsTheToken() throws Exception {
        try (Server s = Server.bind(ServeOptions.local(0).withToken("s3cret-token"), null)) {
            assertEquals("127.0.0.1", s.url().getHost(), "bound to loopback by default");
            assertEquals(200, ServeFixture.get(s.url(), "/healthz", null).statusCode());
            HttpResponse<String> ready = ServeFixture.get(s.url(), "/readyz", null);
            assertEquals(503, ready.statusCode(), "not ready before a running application is attached");
            assertEquals(401, ServeFixture.get(s.url(), "/metrics", null).statusCode());
            assertEquals(401, ServeFixture.get(s.url(), "/metrics", "wrong").statusCode());
            HttpResponse<String> m = ServeFixture.get(s.url(), "/metrics", "s3cret-token");
            assertEquals(200, m.statusCode());
            assertTrue(m.body().contains("jvm_memory_used_bytes"), "JVM metrics are bound");
            assertEquals(401, ServeFixture.get(s.url(), "/api/v1/pairs", null).statusCode());
            assertEquals(503, ServeFixture.get(s.url(), "/api/v1/pairs", "s3cret-token").statusCode(), "not attached yet");
            HttpResponse<String> page = ServeFixture.get(s.url(), "/", null);
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("meshpulse triage"));
            assertEquals(200, ServeFixture.get(s.url(), "/app.js", null).statusCode());
            assertEquals(404, ServeFixture.get(s.url(), "/../pom.xml", null).statusCode());
            assertFalse(s.toString().contains("s3cret"));
        }
    }

    @Test
    void optionsNeverPrintTheToken(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("token");
        Files.writeString(f, "from-file\n");
        assertEquals("from-file", ServeOptions.loadToken(f, Map.of()));
        assertEquals("from-env", ServeOptions.loadToken(null, Map.of(ServeOptions.TOKEN_ENV, "from-env")));
        assertEquals(null, ServeOptions.loadToken(null, Map.of()));
        assertFalse(ServeOptions.local(0).withToken("from-env").toString().contains("from-env"));
    }

    @Test
    void badParametersAreClientErrors() {
        Params p = Params.parse("since=15x&limit=abc&from=yesterday");
        assertEquals("since is not a duration (e.g. 30s, 15m, 2h): 15x",
                org.junit.jupiter.api.Assertions.assertThrows(Params.BadRequest.class,
                        () -> p.duration("since", Triage.DEFAULT_SINCE)).getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(Params.BadRequest.class, () -> p.intValue("limit", 1, 1, 10));
        org.junit.jupiter.api.Assertions.assertThrows(Params.BadRequest.class, () -> p.time("from"));
        org.junit.jupiter.api.Assertions.assertThrows(Params.BadRequest.class, () -> PairMatch.Key.parse("nonsense"));
        assertEquals(java.time.Duration.ofMinutes(15), Params.parse("since=15m").duration("since", null));
    }

    @Test
    void pairMatchingAcceptsWhatSresType() {
        String key = "source|checkout/checkout-api|checkout/payments-api.checkout.svc.cluster.local/payments-api";
        assertTrue(PairMatch.pair("checkout/checkout-api", "checkout/payments-api", null).test(key));
        assertTrue(PairMatch.pair("checkout-api.checkout", "payments-api", "source").test(key));
        assertTrue(PairMatch.pair("checkout-api", "payments-api.checkout.svc.cluster.local", null).test(key));
        assertFalse(PairMatch.pair("checkout-api", "payments-api", "destination").test(key));
        assertFalse(PairMatch.pair("other/checkout-api", "payments-api", null).test(key));
        assertFalse(PairMatch.pair("checkout-api", "orders", null).test(key));
    }
}

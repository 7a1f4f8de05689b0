package io.meshpulse.topology.redact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RedactorTest {
    @Test
    void dropsQueryStringsFromTextLines() {
        String line = "[2025-03-01T10:00:00.000Z] \"GET /pay?card=4111111111111111&token=abc HTTP/1.1\" 503 UC "
                + "upstream_reset_before_response_started{connection_termination} - \"-\" 0 95 1 - \"-\" \"curl\" "
                + "\"id\" \"payments:8080\" \"10.0.0.5:8080\" outbound|8080||payments.shop.svc.cluster.local";
        String r = Redactor.redact(line);
        assertTrue(r.contains("\"GET /pay?REDACTED HTTP/1.1\""), r);
        assertFalse(r.contains("4111"));
        assertTrue(r.contains("outbound|8080||payments.shop.svc.cluster.local"), "the rest of the line is kept");
    }

    @Test
    void dropsQueryStringsAndSecretsFromJsonLines() {
        String line = "{\"path\":\"/login?password=hunter2\",\"authorization\":\"Bearer abcdefghijklmnop\","
                + "\"response_code\":401}";
        String r = Redactor.redact(line);
        assertFalse(r.contains("hunter2"), r);
        assertFalse(r.contains("abcdefghijklmnop"), r);
        assertTrue(r.contains("\"response_code\":401"), r);
    }

    @Test
    void dropsJwtsAndBasicCredentials() {
        String r = Redactor.redact("x eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sflKxwRJSMeKKF2QT4 Basic dXNlcjpwYXNzd29yZA==");
        assertEquals("x REDACTED Basic REDACTED", r);
    }

    @Test
    void leavesOrdinaryLinesAlone() {
        String line = "[2025-03-01T10:00:00.000Z] \"GET /healthz HTTP/1.1\" 200 - via_upstream - \"-\" 0 2 1 1 \"-\"";
        assertEquals(line, Redactor.redact(line));
    }
}

package io.meshpulse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RedactionTest {
    static final String LINE = "[2026-11-20T10:00:01.123Z] \"GET /v1/charges?customer=alice@example.com&token=abc123 HTTP/1.1\" "
            + "503 UC upstream_reset_before_response_started{connection_termination} - \"-\" 0 95 1 - \"-\" "
            + "\"curl/8.5\" \"6f1c\" \"payments-api:8080\" \"10.244.2.31:8080\" outbound|8080||payments-api.checkout.svc.cluster.local "
            + "10.244.1.17:41234 10.0.12.7:8080 10.244.1.17:38012 - default";

    @Test
    void removesQueryStringsButKeepsThePathAndTheRestOfTheLine() {
        String r = Redaction.redact(LINE);
        assertTrue(r.contains("\"GET /v1/charges?REDACTED HTTP/1.1\""), r);
        assertFalse(r.contains("alice"), r);
        assertFalse(r.contains("abc123"), r);
        assertTrue(r.contains("upstream_reset_before_response_started{connection_termination}"), r);
        assertTrue(r.endsWith("10.244.1.17:38012 - default"), r);
    }

    @Test
    void masksCredentialLikeValuesAndJwtsAnywhere() {
        String jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        String r = Redaction.redact("{\"authorization\":\"Bearer " + jwt + "\",\"user_agent\":\"x\",\"password\":\"hunter2\"}");
        assertFalse(r.contains("hunter2"), r);
        assertFalse(r.contains("eyJ"), r);
        assertTrue(r.contains("\"user_agent\":\"x\""), r);
        assertFalse(Redaction.redact("Authorization: Basic dXNlcjpwYXNz").contains("dXNlcjpwYXNz"));
    }

    @Test
    void isIdempotentAndLeavesCleanLinesAlone() {
        String once = Redaction.redact(LINE);
        assertEquals(once, Redaction.redact(once));
        String clean = "[2026-11-20T10:00:01.123Z] \"GET /healthz HTTP/1.1\" 200 - via_upstream - \"-\" 0 2 1 1";
        assertEquals(clean, Redaction.redact(clean));
        assertEquals(null, Redaction.redact(null));
    }
}

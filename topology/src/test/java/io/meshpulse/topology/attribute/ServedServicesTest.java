package io.meshpulse.topology.attribute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ServedServicesTest {
    static final long HOUR = 3600_000L;
    static final String A = "payments-api.payments.svc.cluster.local";
    static final String B = "payments-v2.payments.svc.cluster.local";

    @Test
    void theOneServiceSeenOnThePortBeforeTheWindowsEnd() {
        ServedServices s = new ServedServices();
        s.learn("8080", A, 1_000);
        assertEquals(A, s.serviceAt("8080", 10_000));
        assertNull(s.serviceAt("8080", 1_000), "seen at the window's end is after it");
        assertNull(s.serviceAt("9090", 10_000), "another port");
        assertEquals(A, s.serviceAt(null, 10_000), "a line that names no port: the pod's only service");
    }

    @Test
    void twoServicesOnOnePortAreAmbiguous() {
        ServedServices s = new ServedServices();
        s.learn("8080", A, 1_000);
        s.learn("8080", B, 2_000);
        assertNull(s.serviceAt("8080", 10_000));
        assertEquals(A, s.serviceAt("8080", 1_500), "B was not seen before that window ended");
    }

    @Test
    void aServiceUnseenForSixHoursIsForgotten() {
        ServedServices s = new ServedServices();
        s.learn("8080", A, 0);
        s.learn("8080", B, 7 * HOUR); // the Service was renamed
        assertEquals(B, s.serviceAt("8080", 7 * HOUR + 10_000), "A's last sighting is 7 hours old");
        assertEquals(A, s.serviceAt("8080", 5 * HOUR), "within six hours of A");
        assertNull(s.serviceAt("8080", 6 * HOUR + HOUR / 2), "more than six hours after A, before B: nothing");
        assertTrue(s.staleBefore(7 * HOUR + 1));
        assertFalse(s.staleBefore(7 * HOUR));
    }

    @Test
    void itChangesOnlyWhenSomethingNewIsLearntAndRoundTrips() {
        ServedServices s = new ServedServices();
        assertTrue(s.learn("8080", A, 5_000));
        assertFalse(s.learn("8080", A, 6_000), "the last sighting moves in minutes");
        assertTrue(s.learn("8080", A, 4_000), "an earlier first sighting");
        assertTrue(s.learn("8080", A, 70_000));
        assertFalse(s.learn("8080", null, 80_000));
        ServedServices back = ServedServices.decode(s.encode());
        assertEquals(A, back.serviceAt("8080", 4_001));
        assertNull(back.serviceAt("8080", 4_000));
        assertTrue(back.staleBefore(70_001));
        assertFalse(back.staleBefore(70_000));
    }

    @Test
    void theStalestSightingGivesWayBeyondTheBound() {
        ServedServices s = new ServedServices();
        for (int i = 0; i < ServedServices.MAX_ENTRIES; i++) s.learn(Integer.toString(8000 + i), A, 1_000 + i);
        s.learn("9999", B, 5_000);
        assertNull(s.serviceAt("8000", 10_000), "the first one learnt was dropped");
        assertEquals(A, s.serviceAt("8001", 10_000));
        assertEquals(B, s.serviceAt("9999", 10_000));
    }
}

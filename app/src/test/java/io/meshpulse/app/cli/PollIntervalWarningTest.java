package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PollIntervalWarningTest {
    @Test
    void warnsWhenPollsAreFurtherApartThanHalfTheHeartbeatExpiry() {
        assertNull(IngestLogAnalyticsCommand.intervalWarning(Duration.ofSeconds(30), true), "the default interval");
        assertNull(IngestLogAnalyticsCommand.intervalWarning(Duration.ofSeconds(45), true), "exactly half the expiry");
        String w = IngestLogAnalyticsCommand.intervalWarning(Duration.ofSeconds(60), true);
        assertNotNull(w);
        assertTrue(w.contains("--interval 60 s") && w.contains("90 s") && w.contains("--heartbeat-expiry"), w);
    }

    @Test
    void saysNothingWithoutHeartbeats() {
        assertNull(IngestLogAnalyticsCommand.intervalWarning(Duration.ofMinutes(5), false));
    }
}

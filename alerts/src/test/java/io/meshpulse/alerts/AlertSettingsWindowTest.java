package io.meshpulse.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The settings counted in windows mean the same time whatever {@code --window} is: with 30 s windows, three clean
 * windows took 90 s to resolve an alert and three empty ones made a 60 s silence impossible (a fire drill with
 * {@code --window 30s} raised no SILENCE at all).
 */
class AlertSettingsWindowTest {

    @Test
    void defaultsCountedInWindowsKeepTheirTime() {
        AlertSettings ten = AlertSettings.fromEnvironment(Map.of(), Map.of(), Duration.ofSeconds(10));
        assertEquals(AlertSettings.defaults(), ten);

        AlertSettings thirty = AlertSettings.fromEnvironment(Map.of(), Map.of(), Duration.ofSeconds(30));
        assertEquals(1, thirty.resolveCleanWindows(), "30 s of clean traffic");
        assertEquals(1, thirty.silenceWindows(), "30 s without a line");
        assertEquals(4, thirty.silenceMinWindows(), "2 minutes of history");
        assertEquals(2, thirty.accumulateWindows(), "a minute pooled");
        assertEquals(10, thirty.staleWindows(), "5 minutes");
        assertEquals(10, thirty.baselineHalfLifeWindows(), "5 minutes");
        assertEquals(60.0, thirty.silenceMinRequests(), 1e-9, "2 requests a second, as 20 per 10 s window");

        AlertSettings five = AlertSettings.fromEnvironment(Map.of(), Map.of(), Duration.ofSeconds(5));
        assertEquals(6, five.resolveCleanWindows());
        assertEquals(60, five.staleWindows());
        assertEquals(10.0, five.silenceMinRequests(), 1e-9);
        // counts that are not per window stay, and so do times
        assertEquals(AlertSettings.defaults().minRequests(), five.minRequests());
        assertEquals(Duration.ofMinutes(5), five.burnKeepFiring());
    }

    @Test
    void anExplicitValueIsACountOfTheWindowsInUse() {
        AlertSettings s = AlertSettings.fromEnvironment(Map.of("MESHPULSE_ALERTS_RESOLVE_CLEAN_WINDOWS", "4"),
                Map.of("meshpulse.alerts.stale-windows", "7"), Duration.ofSeconds(30));
        assertEquals(4, s.resolveCleanWindows());
        assertEquals(7, s.staleWindows());
        assertEquals(1, s.silenceWindows(), "the others are still scaled");
    }
}

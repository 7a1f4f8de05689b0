package io.meshpulse.alerts.stream;

import static io.meshpulse.alerts.stream.StageDriver.CHECKOUT;
import static io.meshpulse.alerts.stream.StageDriver.FRONTEND;
import static io.meshpulse.alerts.stream.StageDriver.obs;
import static io.meshpulse.alerts.stream.StageDriver.show;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.Alert;
import org.junit.jupiter.api.Test;

/** One failure seen by both sidecars of a call is one alert, the client side's, with the server's view as evidence. */
class AlertsProcessorFoldingTest {
    private final StageDriver stage = new StageDriver();

    /** A calling app that hangs up makes both sidecars log DC: one page, and it counts the server's lines. */
    @Test
    void aHangUpSeenByBothSidecarsPagesOnce() {
        for (int i = 0; i < 12; i++) {
            stage.send(obs(i, "source", FRONTEND, CHECKOUT, 20, "DC", 0));
            stage.send(obs(i, "destination", FRONTEND, CHECKOUT, 20, "DC", 0));
            stage.settle();
        }
        stage.send(obs(12, "source", FRONTEND, CHECKOUT, 20, "DC", 10));
        stage.send(obs(12, "destination", FRONTEND, CHECKOUT, 20, "DC", 9));
        stage.settle();
        assertEquals(1, stage.pages("DC"), "DC paged once per reporter:\n" + show(stage.of("DC")));
        Alert a = stage.of("DC").get(0);
        assertEquals("source", a.reporter());
        String evidence = String.join("\n", a.diagnosis().evidence());
        assertTrue(evidence.contains("logged 9 request(s) from web/frontend ending DC as well"), evidence);
    }

    /**
     * A caller whose sidecar retries 503s (Istio: two retries by default) turns one failed call into three 503s on
     * the server. A chronic 1-2% of URX at the client, with the server's 5xx in clumps of three, is one chronic
     * failure: the client's view judges it and the server's view does not page on its own. Failed before the fold
     * took retries into account (the server's 9 of 56 paged as APP_5XX).
     */
    @Test
    void theServersRetriedFailuresAreTheClientsToJudge() {
        for (int i = 0; i < 40; i++) {
            int urx = i == 30 ? 3 : i % 3 == 0 ? 1 : 0;
            stage.send(obs(i, "source", FRONTEND, CHECKOUT, 50, "URX", urx));
            stage.send(obs(i, "destination", FRONTEND, CHECKOUT, 50 + 2L * urx, "APP_5XX", 3L * urx));
            stage.settle();
        }
        assertEquals(0, stage.pages("APP_5XX"), show(stage.of("APP_5XX")));
        assertEquals(0, stage.pages("URX"), show(stage.of("URX")));
    }

    /**
     * A server whose app fails 30% of its tries, independently, behind a caller that retries 503 twice: of 200
     * calls a window, 5 fail all three tries (the caller logs 503 URX, 2.5%, below min-ratio), and 78 retries hide
     * the other failed tries from the caller. The server logs 83 503s in 278 tries. The counts add up (83 = 5 + 78),
     * but the retries are not the clumps of the calls that failed (those are at most 3 × 5 = 15 tries): 68 of the
     * 503s were the server failing calls the caller then saved. That is a broken server, and the server's view must
     * page; the client's view says nothing and the burn rate of 2.5% needs many minutes. Failed while the fold took
     * every retried try as accounted for (no APP_5XX alert at all).
     */
    @Test
    void aServerFailingTriesTheCallerSavesStillPages() {
        for (int i = 0; i < 30; i++) {
            boolean broken = i >= 20;
            stage.send(obs(i, "source", FRONTEND, CHECKOUT, 200, "URX", broken ? 5 : 0));
            stage.send(obs(i, "destination", FRONTEND, CHECKOUT, broken ? 278 : 200, "APP_5XX", broken ? 83 : 0));
            stage.settle();
        }
        assertEquals(1, stage.pages("APP_5XX"), show(stage.of("APP_5XX")));
        Alert a = stage.of("APP_5XX").get(0);
        assertEquals("destination", a.reporter());
        assertEquals(StageDriver.T0 + 21 * StageDriver.SIZE, millis(a.detectedAt()),
                "detected on the first broken window");
    }

    private static long millis(String t) {
        return java.time.Instant.parse(t).toEpochMilli();
    }

    /** 5xx the client's view does not account for (neither failed calls nor retries) are the server's own. */
    @Test
    void serverFailuresTheClientDoesNotAccountForStillPage() {
        for (int i = 0; i < 30; i++) {
            stage.send(obs(i, "source", FRONTEND, CHECKOUT, 50, "URX", 0));
            stage.send(obs(i, "destination", FRONTEND, CHECKOUT, 50, "APP_5XX", i == 20 ? 10 : 0));
            stage.settle();
        }
        assertEquals(1, stage.pages("APP_5XX"), show(stage.of("APP_5XX")));
    }
}

package io.meshpulse.app.alerts;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.Alert;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Thin pairs with a chronic failure rate that never changes: {@link #PAIRS} pairs for each of 1, 2, 4 and 8 calls
 * per 10 s window, each pair with its own caller, server and Service (so each has its own burn rate), 40 minutes of
 * {@code rate} failures, UF (refused, the client's line only) or a 503 from the app (both sidecars log it, no
 * retries). Nothing changed, so a page (a pair alert of warning or critical, or a critical burn rate) is noise;
 * a burn-rate ticket (warning) on a chronic rate above the budget is what the objective asks for and is counted
 * apart. Prints the pages per pair-hour for each traffic level. The topology is run's (early looks every half
 * window), as live.
 */
class ThinPairNoiseTest {
    static final Instant START = Instant.parse("2026-11-20T10:00:00Z");
    static final Duration LENGTH = Duration.ofMinutes(40);
    static final int PAIRS = 12;
    static final int[] PER_WINDOW = {1, 2, 4, 8};

    @ParameterizedTest(name = "{0} at {1}")
    @CsvSource({"UF, 0.01", "UF, 0.02", "UF, 0.05", "APP_503, 0.01", "APP_503, 0.02", "APP_503, 0.05"})
    void chronicFailuresOnThinPairs(CriMesh.Outcome failure, double rate, @TempDir Path dir) throws Exception {
        CriMesh m = new CriMesh(1000 + Math.round(rate * 1000) + failure.ordinal());
        Random r = m.random();
        Instant end = START.plus(LENGTH);
        for (int c : PER_WINDOW) {
            for (int i = 0; i < PAIRS; i++) {
                String name = "p" + c + "x" + i;
                CriMesh.Pod client = m.pod("thin", "caller-" + name, "10.244." + (10 + c) + "." + (10 + 2 * i));
                CriMesh.Pod server = m.pod("thin", "svc-" + name, "10.244." + (10 + c) + "." + (11 + 2 * i));
                String host = "svc-" + name + ".thin.svc.cluster.local";
                String clusterIp = "10.0." + (50 + c) + "." + (10 + i);
                for (Instant t : m.arrivals(START, end, c / 10.0)) {
                    CriMesh.Outcome o = r.nextDouble() < rate ? failure : CriMesh.Outcome.OK;
                    m.call(t, client, server, host, clusterIp, 8080, "/work", o);
                }
            }
        }
        // With run's early looks (every half window): each look is one more test of the pair, and the live
        // configuration is the one that pages. Measured: the same pages as on closed windows alone (none).
        List<Alert> alerts = AlertAuditTest.replay(m.write(dir), AlertAuditTest.AKS, AlertPipeline.live());
        AlertAuditTest.show("thin-" + failure + "-" + rate, alerts);
        double pairHours = PAIRS * LENGTH.toMinutes() / 60.0;
        List<String> table = new ArrayList<>();
        int total = 0;
        for (int c : PER_WINDOW) {
            String prefix = "caller-p" + c + "x";
            String svcPrefix = "svc-p" + c + "x";
            long pairPages = alerts.stream().filter(a -> a.status().equals(Alert.FIRING) && a.source() != null
                            && a.source().workload().startsWith(prefix) && !a.severity().equals("info"))
                    .map(Alert::fingerprint).distinct().count();
            long burnPages = alerts.stream().filter(a -> a.status().equals(Alert.FIRING)
                            && a.failureClass().equals("SLO_BURN") && a.severity().equals("critical")
                            && a.destination().service().startsWith(svcPrefix)).count();
            long tickets = alerts.stream().filter(a -> a.status().equals(Alert.FIRING)
                    && a.failureClass().equals("SLO_BURN") && a.severity().equals("warning")
                    && a.destination().service().startsWith(svcPrefix)).count();
            // Every burn record is a notification: a firing (first or a change of severity) or a resolution.
            // Measured, UF at 2% and 8 calls per window: 175 firing and 33 resolved before burn-keep-firing, 25 and 1
            // with its 5 minutes (12 would be one page per destination).
            List<Alert> burn = alerts.stream().filter(a -> a.failureClass().equals("SLO_BURN")
                    && a.destination().service().startsWith(svcPrefix)).toList();
            long burnFiring = burn.stream().filter(a -> a.status().equals(Alert.FIRING)).count();
            long burnResolved = burn.stream().filter(a -> a.status().equals(Alert.RESOLVED)).count();
            total += pairPages;
            table.add(String.format(java.util.Locale.ROOT,
                    "%s %.0f%% %d/window: pair pages %d (%.2f per pair-hour), burn pages %d, burn tickets %d,"
                            + " burn transitions %d firing %d resolved",
                    failure, rate * 100, c, pairPages, pairPages / pairHours, burnPages, tickets, burnFiring,
                    burnResolved));
        }
        table.forEach(l -> System.out.println("AUDIT thin-table " + l));
        System.out.println("AUDIT thin-pages " + AlertAuditTest.pages(alerts));
        // Before the test baseline allowed for a short history, 36 pair pages over the six runs, 33 of them in a
        // pair's first 10 minutes: its baseline for the class was still 0 (floored), and three failed calls in a
        // pool of thin windows were a one-in-10^5 event against it. Now none (one in one run with a 84 % bound).
        assertTrue(total <= 1, "pair pages on a chronic rate: " + total + " " + table);
        Instant warm = START.plusSeconds(600);
        List<String> late = alerts.stream().filter(a -> a.status().equals(Alert.FIRING) && a.source() != null
                        && !a.severity().equals("info") && !a.failureClass().equals("SLO_BURN")
                        && Instant.parse(a.detectedAt()).isAfter(warm))
                .map(AlertAuditTest::name).distinct().toList();
        System.out.println("AUDIT thin-late " + failure + " " + rate + " " + late.size() + " " + late);
        assertTrue(late.size() <= 2, "pages on a chronic rate after the pairs' first 10 minutes: " + late);
        assertTrue(total >= late.size());
    }
}

package io.meshpulse.app.serve;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code meshpulse_alerts_firing}: 1 per alert firing in this instance's part of the alerts store, labelled with
 * the pair (Istio label names), the failure class, the severity, the diagnosis title and the fingerprint (which the
 * triage page and API take to show the alert's commands). Firing alerts are few, so the labels stay bounded.
 * Refreshed just before each scrape.
 */
final class AlertMetrics {
    private final LocalQueries local;
    private final MultiGauge gauge;

    AlertMetrics(LocalQueries local, MeterRegistry registry) {
        this.local = local;
        this.gauge = MultiGauge.builder("meshpulse.alerts.firing")
                .description("Alerts meshpulse has firing, one series per alert").register(registry);
    }

    @SuppressWarnings("unchecked")
    void refresh() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        try {
            if (local.hasStore(LocalQueries.ALERTS_STORE)) {
                for (Map<String, Object> a : local.alerts()) {
                    if (!"firing".equals(a.get("status"))) continue;
                    Map<String, Object> s = (Map<String, Object>) a.get("source");
                    Map<String, Object> d = (Map<String, Object>) a.get("destination");
                    Map<String, Object> diag = (Map<String, Object>) a.get("diagnosis");
                    Tags t = Tags.of(PairLabels.REPORTER, str(a.get("reporter")),
                            PairLabels.SOURCE_WORKLOAD, str(s == null ? null : s.get("workload")),
                            PairLabels.SOURCE_NAMESPACE, str(s == null ? null : s.get("namespace")),
                            PairLabels.DESTINATION_SERVICE, str(d == null ? null : d.get("service")),
                            PairLabels.DESTINATION_WORKLOAD, str(d == null ? null : d.get("workload")),
                            PairLabels.DESTINATION_NAMESPACE, str(d == null ? null : d.get("namespace")))
                            .and(PairLabels.FAILURE_CLASS, str(a.get("failureClass")))
                            .and("severity", str(a.get("severity")))
                            .and("diagnosis", str(diag == null ? null : diag.get("title")))
                            .and("fingerprint", str(a.get("fingerprint")));
                    rows.add(MultiGauge.Row.of(t, 1));
                }
            }
        } catch (RuntimeException e) {
            // Store not queryable (rebalancing): keep the previous rows rather than report zero alerts.
            return;
        }
        gauge.register(rows, true);
    }

    private static String str(Object o) {
        return o == null || o.toString().isEmpty() ? PairLabels.UNKNOWN : o.toString();
    }
}

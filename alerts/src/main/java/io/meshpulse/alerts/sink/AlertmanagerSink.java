package io.meshpulse.alerts.sink;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshpulse.alerts.diagnose.Pairs;
import io.meshpulse.model.Alert;
import io.meshpulse.model.Json;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Alertmanager API v2: {@code POST /api/v2/alerts}. A firing alert is re-sent every {@code resendInterval} while
 * it fires (Alertmanager resolves alerts it stops hearing about after its resolve_timeout); a resolved one is sent
 * once more with {@code endsAt}. Labels: alertname, pair, class, severity (and namespace, reporter); annotations:
 * summary, description, commands.
 *
 * <p>Alertmanager tells alerts apart by their labels, so an update that changes one (the severity) would leave the
 * old alert open beside the new one until its resolve_timeout, and the final resolution would close only the new
 * one: the old label set is sent resolved along with the update.
 */
public final class AlertmanagerSink implements AlertSink {
    private final URI endpoint;
    private final Duration resendInterval;
    private final Http http;
    private final Map<String, Alert> firing = new LinkedHashMap<>();
    /** When the firing alerts were last all re-sent: new records in between do not put that off. */
    private Instant lastResend = Instant.EPOCH;
    private long posts;

    public AlertmanagerSink(URI base, Duration resendInterval, int attempts, Duration firstBackoff) {
        String b = base.toString();
        this.endpoint = URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + "/api/v2/alerts");
        this.resendInterval = resendInterval;
        this.http = new Http(attempts, firstBackoff);
    }

    @Override
    public void accept(Alert a) {
        Alert before = Alert.FIRING.equals(a.status()) ? firing.put(a.fingerprint(), a) : firing.remove(a.fingerprint());
        ArrayNode body = Json.MAPPER.createArrayNode();
        body.add(toAlertmanager(a));
        if (before != null && !before.severity().equals(a.severity())) {
            ObjectNode ended = toAlertmanager(before);
            ended.put("endsAt", Instant.now().toString());
            body.add(ended);
        }
        post(body);
    }

    @Override
    public void tick(Instant now) {
        if (firing.isEmpty() || Duration.between(lastResend, now).compareTo(resendInterval) < 0) return;
        ArrayNode body = Json.MAPPER.createArrayNode();
        for (Alert a : firing.values()) body.add(toAlertmanager(a));
        post(body);
        lastResend = now;
    }

    private void post(ArrayNode body) {
        http.postJson(endpoint, body.toString());
        posts++;
    }

    public long posts() {
        return posts;
    }

    static ObjectNode toAlertmanager(Alert a) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        ObjectNode labels = n.putObject("labels");
        labels.put("alertname", "MeshpulsePair" + camel(a.failureClass()));
        labels.put("pair", pair(a));
        labels.put("class", a.failureClass());
        labels.put("severity", a.severity());
        labels.put("reporter", a.reporter());
        if (a.destination() != null && a.destination().namespace() != null) labels.put("namespace", a.destination().namespace());
        labels.put("fingerprint", a.fingerprint());
        ObjectNode ann = n.putObject("annotations");
        if (a.diagnosis() != null) {
            ann.put("summary", a.diagnosis().title() + " (" + pair(a) + ")");
            ann.put("description", a.diagnosis().summary() + "\n\nEvidence:\n- " + String.join("\n- ", a.diagnosis().evidence())
                    + "\n\nFix:\n- " + String.join("\n- ", a.diagnosis().fix()));
            ann.put("commands", String.join("\n", a.diagnosis().commands()));
        }
        n.put("startsAt", a.startsAt());
        if (a.endsAt() != null) n.put("endsAt", a.endsAt());
        return n;
    }

    static String pair(Alert a) {
        String dst = a.destination().namespace() == null ? a.destination().service() : Pairs.destinationName(a.destination());
        return a.source() == null ? dst : Pairs.sourceName(a.source()) + " -> " + dst;
    }

    private static String camel(String cls) {
        StringBuilder sb = new StringBuilder();
        for (String p : cls.split("_")) {
            if (p.isEmpty()) continue;
            sb.append(p.charAt(0)).append(p.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return sb.toString();
    }
}

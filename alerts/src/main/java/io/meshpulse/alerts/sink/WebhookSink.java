package io.meshpulse.alerts.sink;

import io.meshpulse.model.Alert;
import io.meshpulse.model.JsonCodec;
import java.net.URI;
import java.time.Duration;

/** POSTs each alert record, as its contract JSON, to a URL; retries with exponential backoff. */
public final class WebhookSink implements AlertSink {
    private static final JsonCodec<Alert> JSON = new JsonCodec<>(Alert.class);
    private final URI uri;
    private final Http http;
    private long delivered;
    private long failed;

    public WebhookSink(URI uri, int attempts, Duration firstBackoff) {
        this.uri = uri;
        this.http = new Http(attempts, firstBackoff);
    }

    @Override
    public void accept(Alert alert) {
        int status = http.postJson(uri, JSON.encodeToString(alert));
        if (status >= 200 && status < 300) delivered++;
        else failed++;
    }

    public long delivered() {
        return delivered;
    }

    public long failed() {
        return failed;
    }
}

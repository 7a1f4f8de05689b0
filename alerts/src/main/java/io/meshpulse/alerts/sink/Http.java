package io.meshpulse.alerts.sink;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** POSTs JSON with retries and exponential backoff: 5xx, 429 and I/O errors are retried, other 4xx are not. */
final class Http {
    private static final Logger LOG = LoggerFactory.getLogger(Http.class);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int attempts;
    private final Duration firstBackoff;

    Http(int attempts, Duration firstBackoff) {
        this.attempts = Math.max(1, attempts);
        this.firstBackoff = firstBackoff;
    }

    /**
     * One attempt, no retry: the status code, or -1 when it failed at the I/O level (refused, timed out). What a
     * failure was is logged by the caller, which knows whether it is the first of a run.
     */
    Attempt postOnce(URI uri, String body) throws InterruptedException {
        try {
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
            return new Attempt(r.statusCode(), r.statusCode() < 300 ? "" : abbreviate(r.body()));
        } catch (IOException e) {
            return new Attempt(-1, e.toString());
        }
    }

    /** The outcome of one POST: {@code status} -1 for an I/O failure, {@code detail} what went wrong, if anything. */
    record Attempt(int status, String detail) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** 5xx, 429 and I/O failures may succeed later; other 4xx will not. */
        boolean retryable() {
            return status < 0 || status >= 500 || status == 429;
        }
    }

    /** Returns the final status code, or -1 when every attempt failed at the I/O level. */
    int postJson(URI uri, String body) {
        Duration backoff = firstBackoff;
        int status = -1;
        for (int i = 1; i <= attempts; i++) {
            try {
                HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
                HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                status = r.statusCode();
                if (status < 300) return status;
                if (status < 500 && status != 429) {
                    LOG.warn("POST {} refused with {}: {}", safe(uri), status, abbreviate(r.body()));
                    return status;
                }
                LOG.warn("POST {} attempt {}/{} got {}", safe(uri), i, attempts, status);
            } catch (IOException e) {
                LOG.warn("POST {} attempt {}/{} failed: {}", safe(uri), i, attempts, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return status;
            }
            if (i < attempts) {
                try {
                    Thread.sleep(backoff.toMillis()); // backoff between retries of a failed delivery
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return status;
                }
                backoff = backoff.multipliedBy(2);
            }
        }
        return status;
    }

    /** A URI without its query string or user info, for logs. */
    static String safe(URI u) {
        return u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "") + u.getPath();
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}

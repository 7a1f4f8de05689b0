package io.meshpulse.alerts.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshpulse.alerts.diagnose.Pairs;
import io.meshpulse.model.Alert;
import io.meshpulse.model.Json;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alertmanager API v2: {@code POST /api/v2/alerts}. A firing alert is re-sent every {@code resendInterval} while
 * it fires (Alertmanager resolves alerts it stops hearing about after its resolve_timeout); a resolved one is sent
 * once more with {@code endsAt}. Labels: alertname, pair, class, severity (and namespace, reporter); annotations:
 * summary, description, commands.
 *
 * <p>Alertmanager tells alerts apart by their labels, so an update that changes one (the severity) would leave the
 * old alert open beside the new one until its resolve_timeout, and the final resolution would close only the new
 * one: the old label set is sent resolved along with the update.
 *
 * <p><b>Several replicas.</b> An Alertmanager cluster (replicas gossiping) expects every client to send every alert
 * to every replica, as Prometheus does; it deduplicates the notifications itself. So each replica gets every alert,
 * through a delivery thread of its own: one that is down or slow delays nobody else. What waits for a replica is
 * kept per alert (label set), the newest state of each, so a replica that comes back gets each alert's current
 * state once, in one POST, however long it was away; a delivery that fails (I/O, 5xx, 429) is retried with
 * exponential backoff from {@code firstBackoff} up to {@code maxBackoff} until the replica answers; one that the
 * replica refuses (another 4xx) is dropped. At most {@value #MAX_PENDING} alerts wait per replica (the oldest
 * state goes first). The re-send timer runs per replica.
 */
public final class AlertmanagerSink implements AlertSink {
    private static final Logger LOG = LoggerFactory.getLogger(AlertmanagerSink.class);
    /** Alerts (label sets) waiting for one replica, at most. */
    static final int MAX_PENDING = 1000;

    private final Duration resendInterval;
    private final Duration firstBackoff;
    private final Duration maxBackoff;
    private final Http http = new Http(1, Duration.ZERO);
    private final List<Replica> replicas = new ArrayList<>();
    private final Map<String, Alert> firing = new LinkedHashMap<>();
    private long posts;

    /** One Alertmanager (or one URL in front of several, which then does not reach them all). */
    public AlertmanagerSink(URI base, Duration resendInterval, Duration firstBackoff, Duration maxBackoff) {
        this(List.of(base), resendInterval, firstBackoff, maxBackoff);
    }

    /**
     * @param bases          the Alertmanager base URLs, one per replica; alerts go to {@code <base>/api/v2/alerts}
     * @param resendInterval how often firing alerts are sent again
     * @param firstBackoff   the wait before the first retry of a failed delivery; it doubles with each failure
     * @param maxBackoff     the longest wait between retries
     */
    public AlertmanagerSink(List<URI> bases, Duration resendInterval, Duration firstBackoff, Duration maxBackoff) {
        if (bases.isEmpty()) throw new IllegalArgumentException("no Alertmanager URL");
        this.resendInterval = resendInterval;
        this.firstBackoff = firstBackoff;
        this.maxBackoff = maxBackoff.compareTo(firstBackoff) < 0 ? firstBackoff : maxBackoff;
        for (URI base : new java.util.LinkedHashSet<>(bases)) replicas.add(new Replica(endpoint(base)));
        replicas.forEach(r -> r.thread.start());
    }

    static URI endpoint(URI base) {
        String b = base.toString();
        return URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + "/api/v2/alerts");
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
        for (Replica r : replicas) r.offer(body);
        posts++;
    }

    @Override
    public void tick(Instant now) {
        if (firing.isEmpty()) return;
        ArrayNode body = null;
        for (Replica r : replicas) {
            if (Duration.between(r.lastResend, now).compareTo(resendInterval) < 0) continue;
            if (body == null) {
                body = Json.MAPPER.createArrayNode();
                for (Alert a : firing.values()) body.add(toAlertmanager(a));
            }
            r.offer(body);
            r.lastResend = now;
        }
        if (body != null) posts++;
    }

    /** Payloads handed to the replicas (each goes to every replica that is due): new records and re-sends. */
    public long posts() {
        return posts;
    }

    /** How delivery to each replica went so far, in the order the URLs were given. */
    public List<ReplicaStatus> replicas() {
        return replicas.stream().map(Replica::status).toList();
    }

    /** {@link #replicas()}{@code .get(i)}, without the others. */
    public ReplicaStatus replica(int i) {
        return replicas.get(i).status();
    }

    /**
     * One replica's deliveries: {@code sent} POSTs it accepted, {@code failed} attempts that failed (I/O, 5xx, 429;
     * retried), {@code refused} POSTs it refused (other 4xx; dropped), {@code pending} alerts waiting for it.
     */
    public record ReplicaStatus(URI endpoint, long sent, long failed, long refused, int pending) {
        /** host:port, and the base path if there is one: a metric label, free of user info and query. */
        public String name() {
            String path = endpoint.getPath().substring(0, endpoint.getPath().length() - "/api/v2/alerts".length());
            return hostPort(endpoint) + path;
        }
    }

    static String hostPort(URI u) {
        return u.getHost() + ":" + (u.getPort() > 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80);
    }

    /** Gives each replica a moment to deliver what waits for it, then stops the delivery threads. */
    @Override
    public void close() {
        replicas.forEach(Replica::stop);
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        for (Replica r : replicas) {
            try {
                r.thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            r.thread.interrupt();
        }
    }

    /** One Alertmanager replica and its delivery thread. */
    private final class Replica implements Runnable {
        final URI endpoint;
        final Thread thread;
        /** Dispatcher thread only. */
        Instant lastResend = Instant.EPOCH;
        /** Label set → newest state not yet delivered; guarded by itself. */
        private final LinkedHashMap<String, ObjectNode> pending = new LinkedHashMap<>();
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicLong refused = new AtomicLong();
        private volatile boolean stopping;

        Replica(URI endpoint) {
            this.endpoint = endpoint;
            this.thread = new Thread(this, "meshpulse-alertmanager-" + hostPort(endpoint));
            this.thread.setDaemon(true);
        }

        void offer(ArrayNode alerts) {
            synchronized (pending) {
                for (JsonNode a : alerts) {
                    String key = a.path("labels").toString();
                    pending.remove(key); // the newest state goes last, as it came
                    pending.put(key, (ObjectNode) a);
                }
                for (var it = pending.entrySet().iterator(); pending.size() > MAX_PENDING; ) {
                    LOG.warn("Alertmanager {}: more than {} alerts wait for it, dropping the oldest", Http.safe(endpoint),
                            MAX_PENDING);
                    it.next();
                    it.remove();
                }
                pending.notifyAll();
            }
        }

        void stop() {
            stopping = true;
            synchronized (pending) {
                pending.notifyAll();
            }
        }

        ReplicaStatus status() {
            int waiting;
            synchronized (pending) {
                waiting = pending.size();
            }
            return new ReplicaStatus(endpoint, sent.get(), failed.get(), refused.get(), waiting);
        }

        @Override
        public void run() {
            Duration backoff = firstBackoff;
            long failures = 0;
            try {
                while (true) {
                    Map<String, ObjectNode> batch;
                    synchronized (pending) {
                        while (pending.isEmpty() && !stopping) pending.wait();
                        if (pending.isEmpty()) return;
                        batch = new LinkedHashMap<>(pending);
                    }
                    ArrayNode body = Json.MAPPER.createArrayNode();
                    batch.values().forEach(body::add);
                    Http.Attempt a = http.postOnce(endpoint, body.toString());
                    if (a.ok() || !a.retryable()) {
                        synchronized (pending) {
                            // what was offered meanwhile stays, even when equal to what was sent (a re-send)
                            batch.forEach((k, v) -> {
                                if (pending.get(k) == v) pending.remove(k);
                            });
                        }
                        if (a.ok()) {
                            sent.incrementAndGet();
                            if (failures > 0) LOG.info("Alertmanager {} answers again after {} failed attempts",
                                    Http.safe(endpoint), failures);
                        } else {
                            refused.incrementAndGet();
                            LOG.warn("Alertmanager {} refused {} alerts with {}: {}", Http.safe(endpoint), batch.size(),
                                    a.status(), a.detail());
                        }
                        backoff = firstBackoff;
                        failures = 0;
                        continue;
                    }
                    failed.incrementAndGet();
                    failures++;
                    if (failures == 1 || failures % 10 == 0) {
                        LOG.warn("Alertmanager {}: {} failed attempt(s) in a row, retrying with backoff up to {}; last: {}",
                                Http.safe(endpoint), failures, maxBackoff, a.status() < 0 ? a.detail() : a.status());
                    }
                    if (stopping) return;
                    Thread.sleep(backoff.toMillis()); // this replica's backoff; the others deliver meanwhile
                    backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
                }
            } catch (InterruptedException e) {
                // closing
            }
        }
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

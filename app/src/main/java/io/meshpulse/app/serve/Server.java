package io.meshpulse.app.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meshpulse.model.Json;
import io.meshpulse.model.Times;
import io.meshpulse.model.Topics;
import io.meshpulse.topology.stream.CloseHolds;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * meshpulse's HTTP server: {@code /healthz}, {@code /readyz}, {@code /metrics}, the triage API under
 * {@code /api/v1/} and the triage page at {@code /}.
 *
 * <p>Binding comes first ({@link #bind}), because Kafka Streams must be told this instance's address
 * ({@code application.server}, see {@link #applicationServer()}) before it is created; {@link #attach} then hooks
 * the running application up. Until then /readyz says 503. {@link #start} does both for a caller that already set
 * {@code application.server}.
 *
 * <p>With a token, /metrics and /api/ need {@code Authorization: Bearer <token>}; the probes and the page's static
 * files do not (the page asks for the token). Nothing here logs a query string, a header or the token.
 */
public final class Server implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Server.class);
    private static final String WEB = "/io/meshpulse/app/serve/web/";
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml");

    private final ServeOptions options;
    private final HttpServer http;
    private final ExecutorService executor;
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final ScrapeLog scrapes;
    /** Where the parsing tasks of the attached application report heartbeat holds (see {@link #closeHolds()}). */
    private final CloseHolds closeHolds = new CloseHolds();
    private volatile Attached attached;

    private record Attached(KafkaStreams streams, Triage triage, StatsFeed feed, Thread feedThread,
                            PipelineMetrics pipeline, AlertMetrics alerts, PairMetrics pairs, CloseHoldMetrics holds) {}

    private Server(ServeOptions options, PrometheusMeterRegistry registry) throws IOException {
        this.options = options;
        this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 64); // fails first if taken
        this.registry = registry != null ? registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.scrapes = ScrapeLog.system(options.newSeriesHold().toMillis());
        new JvmMemoryMetrics().bindTo(this.registry);
        new JvmThreadMetrics().bindTo(this.registry);
        new ProcessorMetrics().bindTo(this.registry);
        new UptimeMetrics().bindTo(this.registry);
        gc.bindTo(this.registry);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "meshpulse-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
        LOG.info("serving on http://{}:{}/ (token {})", options.host(), port(), options.token() == null ? "off" : "on");
    }

    /** Binds the server (probes and page answer at once; data once {@link #attach attached}). */
    public static Server bind(ServeOptions options, PrometheusMeterRegistry registry) throws IOException {
        return new Server(options, registry);
    }

    /** Binds and attaches in one step, for Kafka Streams created with {@code application.server} = {@link #applicationServer()} of the same options. */
    public static Server start(KafkaStreams streams, Topics topics, String bootstrap, ServeOptions options,
                               PrometheusMeterRegistry registry) throws IOException {
        if (options.port() == 0) throw new IllegalArgumentException("start() needs a fixed port: application.server must name it");
        Server s = bind(options, registry);
        s.attach(streams, topics, bootstrap);
        return s;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** The value for {@code application.server}: how the other instances reach this one. */
    public String applicationServer() {
        return options.reachableHost() + ":" + port();
    }

    public URI url() {
        return URI.create("http://" + options.reachableHost() + ":" + port() + "/");
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * The board the attached application's parsing tasks report heartbeat holds to, for
     * {@code meshpulse_pipeline_close_held_seconds} and {@code meshpulse_pipeline_heartbeat_behind_seconds}: put it
     * into the Kafka Streams configuration under {@link CloseHolds#CONFIG} (else those stay at 0 and absent).
     */
    public CloseHolds closeHolds() {
        return closeHolds;
    }

    /** Serves {@code streams}' stores and metrics. Its {@code application.server} must be {@link #applicationServer()}. */
    public synchronized void attach(KafkaStreams streams, Topics topics, String bootstrap) {
        attach(streams, topics, bootstrap, java.util.Map.of());
    }

    /** As {@link #attach(KafkaStreams, Topics, String)}, with Kafka client settings for the server's own consumer. */
    public synchronized void attach(KafkaStreams streams, Topics topics, String bootstrap,
                                    java.util.Map<String, ?> clientOverrides) {
        if (attached != null) throw new IllegalStateException("already attached");
        Ownership ownership = new Ownership(streams, new HostInfo(options.reachableHost(), port()));
        PairMetrics pairs = new PairMetrics(registry, options.maxPairs(), options.staleAfter().toMillis(), scrapes,
                options.newSeriesHold().toMillis());
        StatsFeed feed = new StatsFeed(bootstrap, clientOverrides, topics, ownership, pairs, registry,
                options.feedFromStart());
        LocalQueries local = new LocalQueries(streams);
        Triage triage = new Triage(local, ownership, feed, options.token());
        PipelineMetrics pipeline = new PipelineMetrics(streams, topics, registry);
        CloseHoldMetrics holds = new CloseHoldMetrics(closeHolds, registry);
        AlertMetrics alerts = new AlertMetrics(local, registry);
        Thread t = new Thread(feed, "meshpulse-metrics-feed");
        t.setDaemon(true);
        t.start();
        attached = new Attached(streams, triage, feed, t, pipeline, alerts, pairs, holds);
    }

    /** True once attached and the feed has read the pair-stats topic up to where it stood at attach time. */
    public boolean caughtUp() {
        Attached a = attached;
        return a != null && a.feed().caughtUp();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                send(ex, 405, "text/plain", "only GET\n");
                return;
            }
            switch (path) {
                case "/healthz" -> send(ex, 200, "text/plain", "ok\n");
                case "/readyz" -> ready(ex);
                case "/metrics" -> {
                    if (authorized(ex)) metrics(ex);
                }
                default -> {
                    if (path.startsWith("/api/")) {
                        if (authorized(ex)) api(ex, path);
                    } else {
                        page(ex, path);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("{} {} failed: {}", ex.getRequestMethod(), path, e.toString());
            try {
                error(ex, 500, "internal error: " + e.getClass().getSimpleName());
            } catch (IOException ignored) {
                // the client went away
            }
        }
    }

    private boolean authorized(HttpExchange ex) throws IOException {
        String token = options.token();
        if (token == null) return true;
        String h = ex.getRequestHeaders().getFirst("Authorization");
        byte[] given = h != null && h.startsWith("Bearer ") ? h.substring(7).strip().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (MessageDigest.isEqual(given, token.getBytes(StandardCharsets.UTF_8))) return true;
        ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"meshpulse\"");
        error(ex, 401, "a bearer token is required");
        return false;
    }

    private void ready(HttpExchange ex) throws IOException {
        Attached a = attached;
        KafkaStreams.State state = a == null ? null : a.streams().state();
        if (state == KafkaStreams.State.RUNNING) send(ex, 200, "text/plain", "ready\n");
        else send(ex, 503, "text/plain", "not ready: " + (state == null ? "streams not attached" : state) + "\n");
    }

    /**
     * A GET is a scrape: it is numbered before anything is rendered and logged as seen once the body is written,
     * which is what new counter series wait for before they show their counts (see {@link PairMetrics}).
     */
    private void metrics(HttpExchange ex) throws IOException {
        boolean scrape = ex.getRequestMethod().equals("GET");
        String who = ex.getRemoteAddress().getAddress().getHostAddress();
        long n = scrape ? scrapes.begin(who) : -1;
        Attached a = attached;
        if (a != null) {
            a.alerts().refresh();
            a.pairs().release();
            a.holds().refresh();
        }
        String accept = ex.getRequestHeaders().getFirst("Accept");
        String type = accept != null && accept.contains("application/openmetrics-text")
                ? "application/openmetrics-text; version=1.0.0; charset=utf-8" : "text/plain; version=0.0.4; charset=utf-8";
        send(ex, 200, type, registry.scrape(type));
        if (scrape) scrapes.end(who, n);
    }

    private void api(HttpExchange ex, String rawPath) throws IOException {
        Attached a = attached;
        if (a == null) {
            error(ex, 503, "not attached to a running application yet");
            return;
        }
        Params p = Params.parse(ex.getRequestURI().getRawQuery());
        String[] seg = rawPath.substring(1).split("/");
        try {
            Object answer;
            if (rawPath.equals("/api/v1/pairs")) answer = a.triage().pairs(p);
            else if (seg.length == 6 && seg[1].equals("v1") && seg[2].equals("pairs") && seg[5].equals("timeline")) {
                answer = a.triage().timeline(dec(seg[3]), dec(seg[4]), p);
            } else if (rawPath.equals("/api/v1/samples")) answer = a.triage().samples(p);
            else if (rawPath.equals("/api/v1/alerts")) answer = a.triage().alerts(p);
            else if (rawPath.equals("/api/v1/explain")) answer = a.triage().explain(p);
            else if (rawPath.equals("/api/v1/status")) answer = status(a);
            else {
                error(ex, 404, "no such endpoint");
                return;
            }
            send(ex, 200, "application/json", Json.MAPPER.writeValueAsString(answer));
        } catch (Params.BadRequest e) {
            error(ex, 400, e.getMessage());
        } catch (Triage.Unavailable | org.apache.kafka.streams.errors.InvalidStateStoreException e) {
            ex.getResponseHeaders().set("Retry-After", "2");
            error(ex, 503, e.getMessage());
        }
    }

    private Map<String, Object> status(Attached a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instance", applicationServer());
        m.put("state", a.streams().state().toString());
        long clock = a.feed().clockMs();
        m.put("streamTime", clock == Long.MIN_VALUE ? null : Times.rfc3339(clock));
        m.put("instances", a.streams().metadataForAllStreamsClients().stream()
                .map(s -> s.hostInfo().host() + ":" + s.hostInfo().port()).sorted().toList());
        m.put("tokenRequired", options.token() != null);
        return m;
    }

    private void page(HttpExchange ex, String path) throws IOException {
        String name = path.equals("/") || path.isEmpty() ? "index.html" : path.substring(1);
        if (!name.matches("[a-z0-9-]+\\.(html|js|css|svg)")) {
            error(ex, 404, "not found");
            return;
        }
        try (InputStream in = Server.class.getResourceAsStream(WEB + name)) {
            if (in == null) {
                error(ex, 404, "not found");
                return;
            }
            byte[] body = in.readAllBytes();
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            send(ex, 200, TYPES.get(name.substring(name.lastIndexOf('.') + 1)), body);
        }
    }

    private static String dec(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static void error(HttpExchange ex, int code, String message) throws IOException {
        send(ex, code, "application/json", Json.MAPPER.writeValueAsString(Map.of("error", message)));
    }

    private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
        send(ex, code, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(code, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        Attached a = attached;
        if (a != null) {
            a.feed().close();
            try {
                a.feedThread().join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            a.pipeline().close();
            a.holds().close();
        }
        gc.close();
    }
}

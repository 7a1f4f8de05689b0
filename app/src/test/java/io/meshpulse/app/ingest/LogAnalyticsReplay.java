package io.meshpulse.app.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.meshpulse.model.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A stand-in for the Log Analytics query API ({@code POST /v1/workspaces/{id}/query}, the documented response of
 * {@code tables} with {@code columns} and {@code rows}) that the unmodified {@code meshpulse ingest log-analytics}
 * command can be pointed at with {@code --endpoint}.
 *
 * <p>The SDK sends its bearer token over https only, and DefaultAzureCredential must find a token somewhere: the
 * query API is served over TLS with a throw-away self-signed certificate (the child JVM trusts it through
 * {@code javax.net.ssl.trustStore}), and tokens come from a local managed-identity endpoint, the App Service kind
 * that DefaultAzureCredential picks up from {@code IDENTITY_ENDPOINT} and {@code IDENTITY_HEADER}. So the command
 * runs exactly as in production: nothing in it knows it is being tested.
 *
 * <p>The table is a function of the seed (its times counted from the replay's start): rows of container
 * istio-proxy every 0-10 ms, from 20 s before the start (a backlog for the first polls) up to {@link #endNow()},
 * with TimeGenerated in 100 ns ticks as Log Analytics keeps it, some sharing their TimeGenerated with the previous
 * row and some identical twins of it (two log lines that happen to be the same must both arrive). Each row becomes queryable some time
 * after its TimeGenerated (0 to {@link #MAX_DELAY}, Log Analytics' ingestion delay), measured on the real clock,
 * so rows keep arriving while the poller runs. A query sees the rows with {@code from < TimeGenerated <= to} that
 * are queryable at the moment it is answered, ordered by TimeGenerated, cut at its {@code take}. After
 * {@link #endNow()} no later row is ever shown, which makes the expected content of the topic a known set.
 * The HTTP server answers one request at a time, so {@link #firstFrom()} is the first answered query's.
 */
final class LogAnalyticsReplay implements AutoCloseable {
    static final String WORKSPACE = "5b0d8a3e-0000-4000-8000-00000000c0de";
    static final Duration MAX_DELAY = Duration.ofMillis(1500);
    /** Rows already in the table when the replay starts: the first polls catch up on them. */
    private static final Duration HISTORY = Duration.ofSeconds(20);
    private static final Duration HORIZON = Duration.ofMinutes(3);
    private static final DateTimeFormatter KQL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern RANGE = Pattern.compile(
            "TimeGenerated > datetime\\(([^)]+)\\) and TimeGenerated <= datetime\\(([^)]+)\\)");
    private static final Pattern CONTAINERS = Pattern.compile("ContainerName in \\(([^)]*)\\)");
    private static final Pattern TAKE = Pattern.compile("\\| take (\\d+)");
    private static final String PASSWORD = "replay-only";

    /** One row: {@code id} names its content (twins share it), {@code visibleAt} is when queries start to see it. */
    record Row(int id, Instant time, Instant visibleAt, String pod, String message) {}

    private final List<Row> rows = new ArrayList<>();
    private final String token;
    private final String identityHeader;
    private final HttpsServer api;
    private final HttpServer identity;
    private final Path trustStore;
    private final AtomicInteger answers = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile Instant end = Instant.MAX;
    private volatile Instant firstFrom;

    private LogAnalyticsReplay(Path dir, long seed) throws Exception {
        Random rnd = new Random(seed);
        Instant now = Instant.now();
        Instant t0 = now.minusNanos(now.getNano() % 100).minus(HISTORY); // Log Analytics' precision: 100 ns ticks
        Instant t = t0;
        int id = 0;
        while (t.isBefore(t0.plus(HORIZON))) {
            Row prev = rows.isEmpty() ? null : rows.get(rows.size() - 1);
            Instant visible;
            if (prev != null && rnd.nextInt(40) == 0) {
                visible = prev.time().plusMillis(rnd.nextInt((int) MAX_DELAY.toMillis() + 1));
                rows.add(new Row(prev.id(), prev.time(), visible, prev.pod(), prev.message()));
                continue;
            }
            if (prev == null || rnd.nextInt(20) != 0) t = t.plusNanos(100L * rnd.nextInt(100_000));
            visible = t.plusMillis(rnd.nextInt(4) == 0 ? 0 : rnd.nextInt((int) MAX_DELAY.toMillis() + 1));
            String pod = "shop-" + rnd.nextInt(5);
            String message = "row-" + id + " [" + t + "] \"GET /items/" + rnd.nextInt(1000) + " HTTP/1.1\" "
                    + (rnd.nextInt(10) == 0 ? "503 UF" : "200 -") + " " + "x".repeat(rnd.nextInt(60));
            rows.add(new Row(id++, t, visible, pod, message));
        }
        token = UUID.randomUUID().toString();
        identityHeader = UUID.randomUUID().toString();

        Path keyStore = dir.resolve("replay-tls.p12");
        trustStore = dir.resolve("replay-trust.p12");
        selfSignedCertificate(keyStore, trustStore);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD.toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);

        api = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.setHttpsConfigurator(new HttpsConfigurator(tls));
        api.createContext("/v1/workspaces/" + WORKSPACE + "/query", this::query);
        identity = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        identity.createContext("/msi/token", this::token);
        api.start();
        identity.start();
    }

    static LogAnalyticsReplay start(Path dir, long seed) throws Exception {
        return new LogAnalyticsReplay(dir, seed);
    }

    /** A key pair and certificate for 127.0.0.1 (keytool, from the running JDK), and a trust store holding it. */
    private static void selfSignedCertificate(Path keyStore, Path trustStore) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "replay", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2",
                "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("keytool: " + out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("replay", ks.getCertificate("replay"));
        try (OutputStream o = Files.newOutputStream(trustStore)) {
            trust.store(o, PASSWORD.toCharArray());
        }
    }

    /** What to point {@code --endpoint} at. */
    String endpoint() {
        return "https://127.0.0.1:" + api.getAddress().getPort() + "/v1";
    }

    /** JVM options of the child: trust the replay's certificate. */
    List<String> javaOptions() {
        return List.of("-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStoreType=PKCS12",
                "-Djavax.net.ssl.trustStorePassword=" + PASSWORD);
    }

    /** Environment of the child: DefaultAzureCredential finds the local managed-identity endpoint. */
    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("IDENTITY_ENDPOINT", "http://127.0.0.1:" + identity.getAddress().getPort() + "/msi/token");
        env.put("IDENTITY_HEADER", identityHeader);
        return env;
    }

    /** Queries answered with rows (status 200) so far. */
    int answers() {
        return answers.get();
    }

    /** Requests refused (bad token, unreadable query); a correct poller makes none. */
    int refused() {
        return refused.get();
    }

    /** From now on no row after this instant is shown; returns it. */
    Instant endNow() {
        end = Instant.now();
        return end;
    }

    /**
     * The lower bound of the first query answered. A poller without a checkpoint starts {@code --lookback} before
     * its clock, so this is where its ingestion starts, provided that first poll was committed.
     */
    Instant firstFrom() {
        return firstFrom;
    }

    /**
     * The rows a complete ingestion holds once {@link #endNow()} was called, in table order: from the first
     * query's lower bound (exclusive) to the end.
     */
    List<Row> expected() {
        Instant e = end;
        Instant f = firstFrom;
        return rows.stream().filter(r -> f != null && r.time().isAfter(f) && !r.time().isAfter(e)).toList();
    }

    private void token(HttpExchange ex) throws IOException {
        ex.getRequestBody().readAllBytes();
        if (!identityHeader.equals(ex.getRequestHeaders().getFirst("X-IDENTITY-HEADER"))) {
            refused.incrementAndGet();
            send(ex, 401, "{\"error\":\"bad identity header\"}");
            return;
        }
        long expires = Instant.now().plus(Duration.ofHours(1)).getEpochSecond();
        send(ex, 200, "{\"access_token\":\"" + token + "\",\"expires_on\":\"" + expires
                + "\",\"resource\":\"https://api.loganalytics.io\",\"token_type\":\"Bearer\"}");
    }

    private void query(HttpExchange ex) throws IOException {
        JsonNode body = Json.MAPPER.readTree(ex.getRequestBody().readAllBytes());
        Instant now = Instant.now();
        if (!("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            refused.incrementAndGet();
            send(ex, 401, "{\"error\":{\"code\":\"InvalidAuthenticationTokenAudience\"}}");
            return;
        }
        String kql = body.path("query").asText();
        Matcher range = RANGE.matcher(kql);
        Matcher containers = CONTAINERS.matcher(kql);
        Matcher take = TAKE.matcher(kql);
        if (!range.find() || !containers.find() || !take.find() || !kql.contains("| order by TimeGenerated asc")) {
            refused.incrementAndGet();
            send(ex, 400, "{\"error\":{\"code\":\"BadArgumentError\",\"message\":\"replay cannot read this query\"}}");
            return;
        }
        Instant from = Instant.parse(range.group(1));
        Instant to = Instant.parse(range.group(2));
        boolean istio = Set.of(containers.group(1).replace("\"", "").split(",\\s*")).contains("istio-proxy");
        int limit = Integer.parseInt(take.group(1));
        Instant last = to.isAfter(end) ? end : to;

        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode table = root.putArray("tables").addObject();
        table.put("name", "PrimaryResult");
        ArrayNode cols = table.putArray("columns");
        String[][] columns = {{"TimeGenerated", "datetime"}, {"PodNamespace", "string"}, {"PodName", "string"},
                {"ContainerName", "string"}, {"Computer", "string"}, {"LogMessage", "string"}, {"LogSource", "string"}};
        for (String[] c : columns) cols.addObject().put("name", c[0]).put("type", c[1]);
        ArrayNode out = table.putArray("rows");
        if (istio) {
            int taken = 0;
            for (int i = firstAfter(from); i < rows.size() && taken < limit; i++) {
                Row r = rows.get(i);
                if (r.time().isAfter(last)) break;
                if (r.visibleAt().isAfter(now)) continue;
                out.addArray().add(KQL_TIME.format(r.time())).add("shop").add(r.pod()).add("istio-proxy")
                        .add("aks-nodepool1-0000-vmss000001").add(r.message()).add("stdout");
                taken++;
            }
        }
        if (firstFrom == null) firstFrom = from;
        answers.incrementAndGet();
        send(ex, 200, root.toString());
    }

    /** Index of the first row with a TimeGenerated after {@code t}. */
    private int firstAfter(Instant t) {
        int lo = 0;
        int hi = rows.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (rows.get(mid).time().isAfter(t)) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Override
    public void close() {
        api.stop(0);
        identity.stop(0);
    }
}

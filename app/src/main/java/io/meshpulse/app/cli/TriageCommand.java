package io.meshpulse.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshpulse.app.serve.SelfName;
import io.meshpulse.app.serve.ServeOptions;
import io.meshpulse.model.Json;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshpulse triage …}: the triage API as tables in a terminal (or its JSON with --json). */
@Command(name = "triage", mixinStandardHelpOptions = true,
        header = "Ask a running meshpulse which pairs fail, since when and why.",
        description = {"Ask a running meshpulse (demo, replay --serve, run) which pairs fail, since when, why,",
                "with example lines. Talks to its HTTP API; every instance answers for all of them."},
        subcommands = {TriageCommand.Top.class, TriageCommand.Pair.class, TriageCommand.Samples.class,
                TriageCommand.Alerts.class, TriageCommand.Explain.class})
final class TriageCommand {

    static final class Connection {
        @Option(names = "--url", defaultValue = "${env:MESHPULSE_URL:-http://127.0.0.1:8080}",
                description = "meshpulse's HTTP address (default ${DEFAULT-VALUE}; env MESHPULSE_URL).")
        String url;

        @Option(names = "--token-file", paramLabel = "FILE",
                description = "Bearer token file (default: env " + ServeOptions.TOKEN_ENV + ").")
        Path tokenFile;

        @Option(names = "--json", description = "Print the API's JSON answer instead of a table.")
        boolean json;

        /**
         * How the user started meshpulse ({@link SelfName}), so that suggested triage commands can be pasted as they
         * are printed; null: as {@code meshpulse}.
         */
        String invokedAs = SelfName.fromEnvironment();

        /** {@code url} without its trailing slash; {@code host:port} alone is taken as {@code http://host:port}. */
        static String base(String url) {
            String u = url.strip();
            if (!u.contains("://")) u = "http://" + u;
            if (u.endsWith("/")) u = u.substring(0, u.length() - 1);
            try {
                URI uri = new URI(u + "/");
                if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                    throw new java.net.URISyntaxException(url, "not an http(s) address with a host");
                }
            } catch (java.net.URISyntaxException e) {
                throw new SettingsError("--url " + url + ": " + e.getReason() + " (e.g. http://127.0.0.1:8080)");
            }
            return u;
        }

        /**
         * A suggested {@code meshpulse triage} command, made to ask the server this one asked: with this command's
         * {@code --url} (unless it is what the suggestion would use anyway) and {@code --token-file}. Copied as the
         * server prints it, it would go to the default address instead. Other commands are left as they are.
         */
        String sameServer(String command) {
            if (!command.startsWith("meshpulse triage ")) return command;
            String sameUrl = System.getenv().getOrDefault("MESHPULSE_URL", "http://127.0.0.1:8080");
            StringBuilder b = new StringBuilder(command);
            // The server writes the program's name; the user may have started it as bin/meshpulse from a clone.
            String self = SelfName.word(invokedAs, "meshpulse");
            if (!self.equals("meshpulse")) b.replace(0, "meshpulse".length(), self);
            if (url != null && !base(url).equals(base(sameUrl))) b.append(" --url ").append(base(url));
            if (tokenFile != null) b.append(" --token-file ").append(tokenFile);
            return b.toString();
        }

        JsonNode get(String pathAndQuery) throws Exception {
            String token = ServeMixin.token(tokenFile, "--token-file");
            String base = base(url);
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(60)).GET();
            if (token != null) b.header("Authorization", "Bearer " + token);
            HttpResponse<String> r;
            try {
                r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                        .send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException e) {
                throw new SettingsError("cannot reach meshpulse at " + base + " (" + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage())
                        + "; is `meshpulse demo`, `run` or `replay --serve` running there? --url)");
            }
            JsonNode body;
            try {
                body = Json.MAPPER.readTree(r.body());
            } catch (Exception e) {
                throw new IllegalStateException("HTTP " + r.statusCode() + " from " + base + ": not a meshpulse answer");
            }
            if (r.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + r.statusCode() + ": " + body.path("error").asText(r.body()));
            }
            return body;
        }
    }

    abstract static class Sub implements Callable<Integer> {
        @CommandLine.Mixin
        Connection c = new Connection();

        @Option(names = "--since", defaultValue = "15m",
                description = "How far back from the newest closed window (default ${DEFAULT-VALUE}).")
        String since;

        PrintStream out = System.out;

        @Override
        public Integer call() throws Exception {
            try {
                JsonNode n = c.get(path());
                if (c.json) out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n));
                else print(n);
                return 0;
            } catch (IllegalStateException e) {
                System.err.println("meshpulse triage: " + e.getMessage());
                return 2;
            }
        }

        abstract String path();

        abstract void print(JsonNode n);

        void warnPartial(JsonNode n) {
            if (n.path("missing").size() > 0) {
                System.err.println("warning: partial answer, no reply from " + n.path("missing"));
            }
        }
    }

    @Command(name = "top", mixinStandardHelpOptions = true, description = "Pairs by failures (or --sort requests|ratio|latency) over the last --since.")
    static final class Top extends Sub {
        @Option(names = "--sort", defaultValue = "failures", description = "failures, requests, ratio or latency.")
        String sort;
        @Option(names = "--limit", defaultValue = "20", description = "At most this many pairs (default ${DEFAULT-VALUE}).")
        int limit;
        @Option(names = "--namespace", description = "Only pairs whose source or destination is in this namespace.")
        String namespace;
        @Option(names = "--failing", description = "Only pairs with failures.") boolean failing;

        @Override
        String path() {
            return "/api/v1/pairs?since=" + enc(since) + "&sort=" + enc(sort) + "&limit=" + limit
                    + (namespace == null ? "" : "&namespace=" + enc(namespace)) + (failing ? "&failing=true" : "");
        }

        @Override
        void print(JsonNode n) {
            warnPartial(n);
            out.printf("%s → %s, by %s%n", n.path("from").asText(), n.path("to").asText(), n.path("sort").asText());
            Table t = new Table("REPORTER", "SOURCE", "DESTINATION", "REQ", "FAIL", "SUCCESS", "BY CLASS", "P99MS",
                    "FAILING SINCE", "KEY");
            for (JsonNode p : n.path("pairs")) {
                t.row(p.path("reporter").asText(), src(p), dst(p), p.path("requests").asText(), p.path("failures").asText(),
                        String.format("%.1f%%", 100 * p.path("successRatio").asDouble()), classes(p.path("byClass")),
                        p.path("p99MaxMs").isNull() ? "-" : String.format("%.0f", p.path("p99MaxMs").asDouble()),
                        text(p.path("failingSince")), p.path("key").asText());
            }
            t.print(out);
        }
    }

    @Command(name = "pair", mixinStandardHelpOptions = true, description = "A pair's windows: SOURCE and DESTINATION as ns/name or name.ns (destination: workload or service).")
    static final class Pair extends Sub {
        @Parameters(index = "0", paramLabel = "SOURCE") String source;
        @Parameters(index = "1", paramLabel = "DESTINATION") String destination;
        @Option(names = "--reporter", description = "source or destination (default both).") String reporter;

        @Override
        String path() {
            return "/api/v1/pairs/" + enc(source) + "/" + enc(destination) + "/timeline?since=" + enc(since)
                    + (reporter == null ? "" : "&reporter=" + enc(reporter));
        }

        @Override
        void print(JsonNode n) {
            warnPartial(n);
            if (n.path("series").isEmpty()) out.println("no windows of " + source + " -> " + destination + " in range");
            for (JsonNode s : n.path("series")) {
                out.printf("%s  (%s)%n", s.path("key").asText(), s.path("reporter").asText());
                Table t = new Table("WINDOW", "REQ", "FAIL", "SUCCESS", "BY CLASS", "CODES", "P50MS", "P99MS");
                for (JsonNode w : s.path("windows")) {
                    JsonNode l = w.path("latencyMs");
                    t.row(w.path("windowStart").asText().substring(11, 19), w.path("requests").asText(),
                            w.path("failures").asText(), String.format("%.1f%%", 100 * w.path("successRatio").asDouble()),
                            classes(w.path("byClass")), classes(w.path("byCodeClass")), num(l.path("p50")), num(l.path("p99")));
                }
                t.print(out);
                out.println();
            }
        }
    }

    @Command(name = "samples", mixinStandardHelpOptions = true, description = "Recent example lines (redacted) of a pair, by failure class.")
    static final class Samples extends Sub {
        @Parameters(index = "0", paramLabel = "PAIR", description = "The pair key, as `triage top` prints it.") String pair;
        @Option(names = "--class", description = "Failure class (UC, UH, RBAC, …; default every failure class).") String cls;
        @Option(names = "--limit", defaultValue = "5", description = "At most this many lines per class (default ${DEFAULT-VALUE}).")
        int limit;

        @Override
        String path() {
            return "/api/v1/samples?pair=" + enc(pair) + "&since=" + enc(since) + "&limit=" + limit
                    + (cls == null ? "" : "&class=" + enc(cls));
        }

        @Override
        void print(JsonNode n) {
            if (!n.path("available").asBoolean()) {
                out.println("this application keeps no example lines");
                return;
            }
            if (n.path("samples").isEmpty()) out.println("no example lines in range");
            for (JsonNode s : n.path("samples")) {
                out.printf("%s  %s%n  %s%n", s.path("windowStart").asText(), s.path("failureClass").asText(), s.path("line").asText());
            }
        }
    }

    @Command(name = "alerts", mixinStandardHelpOptions = true, description = "Alerts (firing by default) with their diagnosis and commands.")
    static final class Alerts extends Sub {
        @Option(names = "--status", defaultValue = "firing", description = "firing, resolved or all.") String status;

        @Override
        String path() {
            return "/api/v1/alerts?status=" + enc(status);
        }

        @Override
        void print(JsonNode n) {
            warnPartial(n);
            if (!n.path("available").asBoolean()) {
                out.println("this application has no alerts stage");
                return;
            }
            if (n.path("alerts").isEmpty()) out.println("no " + status + " alert");
            for (JsonNode a : n.path("alerts")) {
                JsonNode d = a.path("diagnosis");
                out.printf("[%s] %s %s  %s -> %s (%s)%n", a.path("severity").asText(), a.path("status").asText(),
                        a.path("failureClass").asText(), src(a), dst(a), a.path("reporter").asText());
                out.printf("  since %s%s%n", a.path("startsAt").asText(), d.path("title").isMissingNode() ? "" : "  " + d.path("title").asText());
                if (!d.path("summary").isMissingNode() && !d.path("summary").isNull()) out.println("  " + d.path("summary").asText());
                for (JsonNode cmd : d.path("commands")) out.println("  $ " + cmd.asText());
                out.println();
            }
        }
    }

    @Command(name = "explain", mixinStandardHelpOptions = true, description = "What is wrong with a pair: summary, top class, alerts, examples, next commands.")
    static final class Explain extends Sub {
        @Parameters(index = "0", paramLabel = "PAIR", description = "The pair key, as `triage top` prints it.") String pair;

        @Override
        String path() {
            return "/api/v1/explain?pair=" + enc(pair) + "&since=" + enc(since);
        }

        @Override
        void print(JsonNode n) {
            out.printf("%s%n%s: %s%n", n.path("pair").asText(), n.path("verdict").asText().toUpperCase(), n.path("summary").asText());
            if (!n.path("topClass").isNull()) out.printf("%s: %s%n", n.path("topClass").asText(), n.path("classMeaning").asText());
            for (JsonNode a : n.path("alerts")) {
                out.printf("alert: %s%n", a.path("diagnosis").path("title").asText(a.path("failureClass").asText()));
            }
            if (!n.path("samples").isEmpty()) out.println("examples:");
            for (JsonNode s : n.path("samples")) out.println("  " + s.path("line").asText());
            if (!n.path("next").isEmpty()) out.println("next:");
            for (JsonNode cmd : n.path("next")) out.println("  $ " + c.sameServer(cmd.asText()));
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String src(JsonNode p) {
        JsonNode s = p.path("source");
        if (s.isNull() || s.isMissingNode()) return "unknown";
        return (s.path("namespace").isNull() ? "" : s.path("namespace").asText() + "/") + s.path("workload").asText();
    }

    static String dst(JsonNode p) {
        JsonNode d = p.path("destination");
        String name = d.path("workload").isNull() ? d.path("service").asText().replace(".svc.cluster.local", "") : d.path("workload").asText();
        return (d.path("namespace").isNull() ? "" : d.path("namespace").asText() + "/") + name;
    }

    static String classes(JsonNode m) {
        List<String> parts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            parts.add(e.getKey() + ":" + e.getValue().asText());
        }
        return parts.isEmpty() ? "-" : String.join(" ", parts);
    }

    static String text(JsonNode n) {
        return n.isNull() || n.isMissingNode() ? "-" : n.asText();
    }

    static String num(JsonNode n) {
        return n.isNull() || n.isMissingNode() ? "-" : String.format("%.0f", n.asDouble());
    }

    /** A plain aligned table: columns as wide as their widest cell. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        void row(String... cells) {
            rows.add(cells);
        }

        void print(PrintStream out) {
            int[] w = new int[rows.get(0).length];
            for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
            for (String[] r : rows) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < r.length; i++) {
                    if (i > 0) sb.append("  ");
                    sb.append(i == r.length - 1 ? r[i] : String.format("%-" + w[i] + "s", r[i]));
                }
                out.println(sb.toString().stripTrailing());
            }
        }
    }
}

package io.meshpulse.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshpulse.model.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Reads dashboards/ and turns Grafana panel queries into plain PromQL that Prometheus and promtool accept. */
final class Dashboards {
    static final Path ROOT = Path.of(System.getProperty("meshpulse.dashboards", "."));
    static final Path GRAFANA = ROOT.resolve("grafana");
    static final Path RULES = ROOT.resolve("prometheus/meshpulse-rules.yml");
    static final Path PROMTOOL = Path.of(System.getProperty("meshpulse.promtool", "/usr/bin/promtool"));
    static final Path PROMETHEUS = Path.of(System.getProperty("meshpulse.prometheus", "/usr/bin/prometheus"));

    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((?:(.+),\\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\\)");

    private Dashboards() {}

    /** A panel query: where it comes from, and the expression as written. */
    record Query(String dashboard, String panel, String expr, String legend) {
        Query(String dashboard, String panel, String expr) {
            this(dashboard, panel, expr, null);
        }

        String promql() {
            return substitute(expr);
        }
    }

    static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(GRAFANA)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    static JsonNode read(Path p) throws IOException {
        return Json.MAPPER.readTree(p.toFile());
    }

    static List<Query> panelQueries() throws IOException {
        List<Query> out = new ArrayList<>();
        for (Path f : files()) {
            JsonNode d = read(f);
            for (JsonNode panel : d.path("panels")) {
                for (JsonNode t : panel.path("targets")) {
                    if (t.hasNonNull("expr")) {
                        out.add(new Query(d.path("uid").asText(), panel.path("title").asText(), t.path("expr").asText(),
                                t.hasNonNull("legendFormat") ? t.path("legendFormat").asText() : null));
                    }
                }
            }
        }
        return out;
    }

    /** Template-variable queries, reduced to the series selector they read (label_values(selector, label)). */
    static List<Query> variableSelectors() throws IOException {
        List<Query> out = new ArrayList<>();
        for (Path f : files()) {
            JsonNode d = read(f);
            for (JsonNode v : d.path("templating").path("list")) {
                if (!v.path("type").asText().equals("query")) continue;
                String q = v.path("query").isObject() ? v.path("query").path("query").asText() : v.path("query").asText();
                Matcher m = LABEL_VALUES.matcher(q);
                if (!m.matches() || m.group(1) == null) throw new IllegalStateException("unexpected variable query " + q);
                out.add(new Query(d.path("uid").asText(), "variable " + v.path("name").asText(), m.group(1)));
            }
        }
        return out;
    }

    /** Grafana's variables, as a dashboard with every "All" selected and a 5-minute range would send them. */
    static String substitute(String expr) {
        String s = expr;
        for (Map.Entry<String, String> e : Map.of("$__rate_interval", "1m", "$__interval", "15s", "$__range", "5m").entrySet()) {
            s = s.replace(e.getKey(), e.getValue());
        }
        return s.replaceAll("\\$\\{?[a-z_]+\\}?", ".*");
    }
}

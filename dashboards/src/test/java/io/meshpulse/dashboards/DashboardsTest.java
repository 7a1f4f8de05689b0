package io.meshpulse.dashboards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboards' structure, and every PromQL expression in them and in the rules, through promtool. */
class DashboardsTest {

    @Test
    void dashboardsHaveStableUidsAndThePairVariables() throws Exception {
        Set<String> uids = new TreeSet<>();
        for (Path f : Dashboards.files()) {
            JsonNode d = Dashboards.read(f);
            String uid = d.path("uid").asText();
            assertEquals(f.getFileName().toString(), uid + ".json", "file named after its uid");
            assertTrue(uids.add(uid), "uid unique: " + uid);
            Set<Integer> ids = new HashSet<>();
            for (JsonNode p : d.path("panels")) {
                assertTrue(ids.add(p.path("id").asInt()), uid + ": panel ids unique");
                assertFalse(p.path("targets").isEmpty(), uid + ": panel " + p.path("title") + " has a query");
                assertEquals("${datasource}", p.path("datasource").path("uid").asText(), "panels use the datasource variable");
            }
            Set<String> vars = new TreeSet<>();
            d.path("templating").path("list").forEach(v -> vars.add(v.path("name").asText()));
            assertTrue(vars.contains("datasource"), uid);
            if (!uid.equals("meshpulse-pipeline")) {
                assertTrue(vars.containsAll(List.of("namespace", "source", "destination", "reporter")), uid + " vars " + vars);
            }
        }
        assertEquals(Set.of("meshpulse-overview", "meshpulse-pair", "meshpulse-pipeline"), uids);
    }

    /** Both sidecars log each call: the overview's totals count it once by default (reporter=source). */
    @Test
    void overviewCountsEachRequestOnceByDefault() throws Exception {
        JsonNode overview = Dashboards.read(Dashboards.GRAFANA.resolve("meshpulse-overview.json"));
        JsonNode reporter = null;
        for (JsonNode v : overview.path("templating").path("list")) {
            if (v.path("name").asText().equals("reporter")) reporter = v;
        }
        assertTrue(reporter != null, "the overview has a reporter variable");
        assertEquals("[\"source\"]", reporter.path("current").path("value").toString(), reporter.toString());
    }

    @Test
    void everyExpressionPassesPromtool(@TempDir Path tmp) throws Exception {
        assertTrue(Files.isExecutable(Dashboards.PROMTOOL), "promtool is needed (apt-get install prometheus; see .ci/run)");
        List<Dashboards.Query> queries = new ArrayList<>(Dashboards.panelQueries());
        queries.addAll(Dashboards.variableSelectors());
        assertTrue(queries.size() > 20, "found the panel queries: " + queries.size());
        // promtool 2.42 has no standalone PromQL check: each expression becomes a recording rule.
        StringBuilder yml = new StringBuilder("groups:\n  - name: dashboard-queries\n    rules:\n");
        for (int i = 0; i < queries.size(); i++) {
            yml.append("      - record: dashboard:query_").append(i).append("\n        expr: '")
                    .append(queries.get(i).promql().replace("'", "''")).append("'\n");
        }
        Path rules = tmp.resolve("dashboard-queries.yml");
        Files.writeString(rules, yml.toString());
        check(rules, queries.size());
        check(Dashboards.RULES, -1);
    }

    /**
     * The overview's stats on a healthy mesh (one pair at 1 request/s, no failure series at all): each shows a
     * number, none shows "No data".
     */
    @Test
    void overviewStatsShowNumbersOnHealthyTraffic(@TempDir Path tmp) throws Exception {
        assertTrue(Files.isExecutable(Dashboards.PROMTOOL), "promtool is needed (apt-get install prometheus; see .ci/run)");
        java.util.Map<String, String> expected = java.util.Map.of("Requests / s", "1", "Failure ratio", "0",
                "Failing pairs", "0", "Firing alerts", "0");
        StringBuilder yml = new StringBuilder(String.join("\n", "rule_files:", "  - " + Dashboards.RULES.toAbsolutePath(),
                "evaluation_interval: 30s", "tests:", "  - interval: 1m", "    input_series:",
                "      - series: 'meshpulse_requests_total{reporter=\"source\", source_workload=\"frontend\", "
                        + "source_workload_namespace=\"web\", destination_service=\"cart.store.svc.cluster.local\", "
                        + "destination_workload=\"cart\", destination_workload_namespace=\"store\"}'",
                "        values: '0+60x20'", "    promql_expr_test:", ""));
        Set<String> found = new TreeSet<>();
        for (Dashboards.Query q : Dashboards.panelQueries()) {
            if (!q.dashboard().equals("meshpulse-overview") || !expected.containsKey(q.panel())) continue;
            found.add(q.panel());
            yml.append("      - expr: '").append(q.promql().replace("'", "''")).append("'\n")
                    .append("        eval_time: 10m\n")
                    .append("        exp_samples:\n")
                    .append("          - labels: '{}'\n")
                    .append("            value: ").append(expected.get(q.panel())).append("\n");
        }
        assertEquals(expected.keySet(), found, "the overview's stat panels");
        Path tests = tmp.resolve("stats-test.yml");
        Files.writeString(tests, yml.toString());
        Process p = new ProcessBuilder(Dashboards.PROMTOOL.toString(), "test", "rules", tests.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "promtool test rules " + tests + ":\n" + out + "\n" + yml);
    }

    /** The rules' behaviour on hand-made series (src/test/resources/meshpulse-rules-test.yml), by promtool. */
    @Test
    void rulesPassTheirUnitTests() throws Exception {
        assertTrue(Files.isExecutable(Dashboards.PROMTOOL), "promtool is needed (apt-get install prometheus; see .ci/run)");
        Path tests = Dashboards.ROOT.resolve("src/test/resources/meshpulse-rules-test.yml").toAbsolutePath();
        String text = Files.readString(tests);
        assertTrue(text.contains("../../../prometheus/meshpulse-rules.yml") && text.contains("alert_rule_test:")
                && text.contains("promql_expr_test:"), "the unit tests load the rules file and test alerts and series");
        Process p = new ProcessBuilder(Dashboards.PROMTOOL.toString(), "test", "rules", tests.getFileName().toString())
                .directory(tests.getParent().toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "promtool test rules " + tests + ":\n" + out);
        assertTrue(out.contains("SUCCESS"), out);
    }

    private static void check(Path rules, int expected) throws Exception {
        Process p = new ProcessBuilder(Dashboards.PROMTOOL.toString(), "check", "rules", rules.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "promtool check rules " + rules + ":\n" + out);
        assertTrue(out.contains("SUCCESS"), out);
        if (expected > 0) assertTrue(out.contains(expected + " rules found"), out);
    }
}

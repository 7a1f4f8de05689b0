package io.meshpulse.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The PrometheusRule of components/prometheus-rules is the rules file dashboards/prometheus/meshpulse-rules.yml
 * under a Kubernetes head: the file's text, indented under {@code spec:}, comments included. The rules file stays
 * the one source (promtool's unit tests and the Prometheus integration test run on it, Azure users convert it);
 * these tests fail when the two drift, in meaning (the parsed groups differ) or in text (a comment or a layout
 * changed in one only). To accept a change of the rules file, regenerate with
 * {@code -Dmeshpulse.updateGolden=true}; the head (the lines up to {@code spec:}) is kept as it is.
 */
class PrometheusRuleTest {

    static final Path REPO = Path.of("").toAbsolutePath().getParent();
    static final Path RULES = REPO.resolve("dashboards/prometheus/meshpulse-rules.yml");
    static final Path OBJECT = REPO.resolve("deploy/components/prometheus-rules/prometheusrule.yaml");
    private static final String SPEC = "spec:\n";

    @Test
    void theObjectIsTheRulesFileUnderItsHead() throws IOException {
        String object = Files.readString(OBJECT, StandardCharsets.UTF_8);
        String expected = generate(head(object), Files.readString(RULES, StandardCharsets.UTF_8));
        if (Boolean.getBoolean("meshpulse.updateGolden")) {
            Files.writeString(OBJECT, expected, StandardCharsets.UTF_8);
            object = expected;
        }
        // meaning first: the message then says which group or rule differs
        assertEquals(List.of(), differences(rulesGroups(), objectGroups(Kustomize.YAML.readTree(object))),
                OBJECT + " does not hold the rules of " + RULES + "; regenerate it (see the class comment)");
        assertEquals(expected, object, OBJECT + " is not " + RULES + " under its head (a comment or the layout "
                + "changed in one of them only); regenerate it (see the class comment)");
    }

    @Test
    void theObjectIsAPrometheusRuleWithNothingButTheGroupsInItsSpec() throws IOException {
        JsonNode object = Kustomize.YAML.readTree(OBJECT.toFile());
        assertEquals("monitoring.coreos.com/v1", object.path("apiVersion").asText());
        assertEquals("PrometheusRule", object.path("kind").asText());
        assertEquals(List.of("groups"), fieldNames(object.path("spec")));
        assertEquals(List.of("groups"), fieldNames(Kustomize.YAML.readTree(RULES.toFile())),
                "the rules file holds groups only, so that it fits a PrometheusRule's spec as it is");
    }

    /** The comparison sees a rule that differs: an expression, a threshold's duration, a label, a missing rule. */
    @Test
    void aDriftIsCaught() throws IOException {
        JsonNode groups = rulesGroups();
        JsonNode expr = groups.deepCopy();
        ((ObjectNode) expr.get(1).get("rules").get(0)).put("expr", "vector(1)");
        JsonNode forDuration = groups.deepCopy();
        ((ObjectNode) forDuration.get(1).get("rules").get(0)).put("for", "1m");
        JsonNode label = groups.deepCopy();
        ((ObjectNode) label.get(1).get("rules").get(0).get("labels")).put("severity", "info");
        JsonNode missing = groups.deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) missing.get(2).get("rules")).remove(0);
        for (JsonNode changed : List.of(expr, forDuration, label, missing)) {
            assertFalse(differences(groups, changed).isEmpty(), changed.toString());
        }
        assertEquals(List.of(), differences(groups, groups.deepCopy()));
    }

    /** The lines of {@code object} up to and including its {@code spec:} line. */
    static String head(String object) {
        int at = object.startsWith(SPEC) ? 0 : object.indexOf("\n" + SPEC);
        if (at < 0) throw new IllegalStateException(OBJECT + " has no top-level 'spec:' line");
        return object.substring(0, at == 0 ? SPEC.length() : at + 1 + SPEC.length());
    }

    /** The PrometheusRule: its head, then every line of the rules file indented by two spaces (blank lines stay blank). */
    static String generate(String head, String rules) {
        StringBuilder out = new StringBuilder(head);
        for (String line : rules.split("\n", -1)) {
            if (!line.isBlank()) out.append("  ").append(line);
            out.append('\n');
        }
        out.setLength(out.length() - 1); // split keeps the text after the last newline: the file's own ending
        return out.toString();
    }

    static JsonNode rulesGroups() throws IOException {
        return Kustomize.YAML.readTree(RULES.toFile()).path("groups");
    }

    static JsonNode objectGroups(JsonNode prometheusRule) {
        return prometheusRule.path("spec").path("groups");
    }

    /**
     * Where two lists of rule groups differ, group by group and rule by rule (parsed YAML: quoting, folding and
     * comments do not count, values do); empty when they mean the same.
     */
    static List<String> differences(JsonNode expected, JsonNode actual) {
        List<String> out = new ArrayList<>();
        if (!expected.isArray() || !actual.isArray()) {
            out.add("groups: expected a list in both, got " + expected.getNodeType() + " and " + actual.getNodeType());
            return out;
        }
        for (int g = 0; g < Math.max(expected.size(), actual.size()); g++) {
            JsonNode e = expected.path(g);
            JsonNode a = actual.path(g);
            String name = e.path("name").asText(a.path("name").asText("#" + g));
            if (e.isMissingNode() || a.isMissingNode()) {
                out.add("group " + name + ": only in " + (e.isMissingNode() ? "the PrometheusRule" : "the rules file"));
                continue;
            }
            for (String field : union(fieldNames(e), fieldNames(a))) {
                if (field.equals("rules")) continue;
                if (!e.path(field).equals(a.path(field))) {
                    out.add("group " + name + ", " + field + ": " + e.path(field) + " vs " + a.path(field));
                }
            }
            JsonNode er = e.path("rules");
            JsonNode ar = a.path("rules");
            for (int r = 0; r < Math.max(er.size(), ar.size()); r++) {
                if (!er.path(r).equals(ar.path(r))) {
                    JsonNode rule = er.path(r).isMissingNode() ? ar.path(r) : er.path(r);
                    String id = rule.has("alert") ? rule.path("alert").asText() : rule.path("record").asText();
                    out.add("group " + name + ", rule " + r + " (" + id + "): " + er.path(r) + " vs " + ar.path(r));
                }
            }
        }
        return out;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) names.add(it.next());
        return names;
    }

    private static List<String> union(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        for (String s : b) if (!out.contains(s)) out.add(s);
        return out;
    }
}

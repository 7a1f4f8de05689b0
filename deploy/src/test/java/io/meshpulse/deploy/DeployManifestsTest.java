package io.meshpulse.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshpulse.model.Topics;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.meshpulse.deploy.Invariants.kind;
import static io.meshpulse.deploy.Invariants.map;
import static io.meshpulse.deploy.Invariants.one;

/**
 * Renders every overlay under deploy/overlays with {@code kubectl kustomize}, validates each rendered object
 * against its schema, and checks the invariants a platform team relies on. Each check collects every
 * violation before failing, so one run lists them all.
 */
class DeployManifestsTest {

    private static final Path DEPLOY = Path.of("").toAbsolutePath();
    private static final Path REPO = DEPLOY.getParent();
    private static final Map<String, List<ObjectNode>> RENDERED = new HashMap<>();
    private static Schemas schemas;

    @BeforeAll
    static void renderAll() throws Exception {
        Kustomize.requireComponents();
        schemas = new Schemas();
        for (String overlay : overlays().toList()) {
            RENDERED.put(overlay, Kustomize.render(DEPLOY.resolve("overlays").resolve(overlay)));
        }
    }

    static Stream<String> overlays() throws IOException {
        try (Stream<Path> dirs = Files.list(DEPLOY.resolve("overlays"))) {
            return dirs.filter(d -> Files.exists(d.resolve("kustomization.yaml")))
                    .map(d -> d.getFileName().toString()).sorted().toList().stream();
        }
    }

    @Test
    void theThreeDocumentedOverlaysExist() throws IOException {
        assertTrue(overlays().toList().containsAll(List.of("aks-addon", "upstream-istio", "existing-kafka")),
                "overlays: " + overlays().toList());
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyObjectMatchesItsSchema(String overlay) {
        List<String> errors = new ArrayList<>();
        for (ObjectNode object : RENDERED.get(overlay)) {
            errors.addAll(schemas.validate(object));
        }
        assertEquals(List.of(), errors, overlay);
    }

    /** The validation can fail: a misplaced field, a wrong type, and an unknown Strimzi field are caught. */
    @Test
    void schemaValidationRejectsBrokenObjects() throws Exception {
        List<ObjectNode> objects = RENDERED.get("aks-addon");
        ObjectNode statefulSet = one(objects, "StatefulSet", "meshpulse-topology").deepCopy();
        ((ObjectNode) statefulSet.get("spec")).put("replica", 3);
        assertFalse(schemas.validate(statefulSet).isEmpty(), "unknown field spec.replica");

        ObjectNode daemonSet = one(objects, "DaemonSet", "meshpulse-ingest").deepCopy();
        ((ObjectNode) daemonSet.at("/spec/template/spec/containers/0")).put("ports", "8080");
        assertFalse(schemas.validate(daemonSet).isEmpty(), "ports must be a list");

        ObjectNode topic = objects.stream().filter(kind("KafkaTopic")).findFirst().orElseThrow().deepCopy();
        ((ObjectNode) topic.get("spec")).put("partition", 3);
        assertFalse(schemas.validate(topic).isEmpty(), "unknown KafkaTopic field spec.partition");

        ObjectNode kafka = one(objects, "Kafka", "meshpulse").deepCopy();
        ((ObjectNode) kafka.at("/spec/kafka")).remove("listeners");
        assertFalse(schemas.validate(kafka).isEmpty(), "Kafka without listeners");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void hostPathsAreMountedReadOnlyAndNothingIsPrivileged(String overlay) {
        assertEquals(List.of(), Invariants.hostAccessAndPrivilege(RENDERED.get(overlay)), overlay);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyContainerHasRequestsLimitsAndProbes(String overlay) {
        assertEquals(List.of(), Invariants.resourcesAndProbes(RENDERED.get(overlay)), overlay);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void labelsAndSelectorsAgree(String overlay) {
        assertEquals(List.of(), Invariants.labelsAndSelectors(RENDERED.get(overlay)), overlay);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyPodIsScrapedOnce(String overlay) {
        List<ObjectNode> objects = RENDERED.get(overlay);
        assertTrue(objects.stream().anyMatch(o -> o.path("kind").asText().endsWith("Monitor")), overlay + " has monitors");
        assertEquals(List.of(), Invariants.scrapedOnce(objects), overlay);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void referencesResolveAndNoSecretIsShipped(String overlay) {
        assertEquals(List.of(), Invariants.referencesAndSecrets(RENDERED.get(overlay)), overlay);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void topologyIsAStatefulStreamsApplication(String overlay) {
        List<ObjectNode> objects = RENDERED.get(overlay);
        ObjectNode sts = one(objects, "StatefulSet", "meshpulse-topology");
        JsonNode pod = sts.at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");
        List<String> args = new ArrayList<>();
        container.path("args").forEach(a -> args.add(a.asText()));
        String serviceName = sts.at("/spec/serviceName").asText();
        ObjectNode headless = one(objects, "Service", serviceName);
        assertEquals("None", headless.at("/spec/clusterIP").asText(), "application.server needs a headless Service");
        String appServer = args.get(args.indexOf("--application-server") + 1);
        assertTrue(appServer.startsWith("$(POD_NAME)." + serviceName + "."), appServer);
        String stateDir = args.get(args.indexOf("--state-dir") + 1);
        String claim = sts.at("/spec/volumeClaimTemplates/0/metadata/name").asText();
        boolean mounted = false;
        for (JsonNode mount : container.path("volumeMounts")) {
            mounted |= mount.path("name").asText().equals(claim) && mount.path("mountPath").asText().equals(stateDir);
        }
        assertTrue(mounted, "the state dir " + stateDir + " is on the volume claim " + claim);
        assertEquals("/readyz", container.at("/readinessProbe/httpGet/path").asText());
        assertTrue(pod.path("terminationGracePeriodSeconds").asInt() >= 120, "long grace period for a clean close");
        assertTrue(sts.at("/spec/replicas").asInt() >= 2, "standby replicas need a second instance");
        assertTrue(objects.stream().filter(kind("PodDisruptionBudget")).anyMatch(
                p -> map(sts.at("/spec/template/metadata/labels")).entrySet()
                        .containsAll(map(p.at("/spec/selector/matchLabels")).entrySet())), "a PDB covers the topology");
        ObjectNode ds = one(objects, "DaemonSet", "meshpulse-ingest");
        Set<String> hostPaths = new TreeSet<>();
        ds.at("/spec/template/spec/volumes").forEach(v -> {
            if (v.has("hostPath")) {
                hostPaths.add(v.at("/hostPath/path").asText());
            }
        });
        assertEquals(Set.of("/var/log/containers", "/var/log/pods"), hostPaths);
    }

    /** Every topic the code names has a KafkaTopic, wherever this overlay runs Strimzi. */
    @ParameterizedTest
    @MethodSource("overlays")
    void strimziTopicsCoverEveryMeshpulseTopic(String overlay) {
        List<ObjectNode> objects = RENDERED.get(overlay);
        List<ObjectNode> kafkas = objects.stream().filter(kind("Kafka")).toList();
        if (kafkas.isEmpty()) {
            assertTrue(objects.stream().noneMatch(kind("KafkaTopic")), "KafkaTopics without a Kafka");
            return;
        }
        String cluster = kafkas.get(0).at("/metadata/name").asText();
        int brokers = objects.stream().filter(kind("KafkaNodePool"))
                .filter(p -> p.at("/spec/roles").toString().contains("broker"))
                .mapToInt(p -> p.at("/spec/replicas").asInt()).sum();
        Set<String> topics = new TreeSet<>();
        List<String> errors = new ArrayList<>();
        for (ObjectNode topic : objects.stream().filter(kind("KafkaTopic")).toList()) {
            String name = topic.at("/spec/topicName").asText();
            topics.add(name);
            if (!cluster.equals(topic.at("/metadata/labels/strimzi.io~1cluster").asText())) {
                errors.add(name + ": not labelled for cluster " + cluster);
            }
            int replicas = topic.at("/spec/replicas").asInt();
            int minIsr = Integer.parseInt(topic.at("/spec/config/min.insync.replicas").asText("1"));
            if (replicas > brokers || minIsr >= replicas) {
                errors.add(name + ": replicas " + replicas + ", min.insync.replicas " + minIsr + ", brokers " + brokers);
            }
        }
        Set<String> expected = new TreeSet<>(Topics.defaults().all());
        expected.add("meshpulse.ingest.checkpoints");
        assertEquals(expected, topics, overlay);
        // Every meshpulse pod may reach the brokers: admitted by a listener's networkPolicyPeers (Strimzi makes
        // the brokers' NetworkPolicy from them) and let out by an egress policy of ours to the cluster's pods.
        for (ObjectNode workload : Invariants.workloads(objects)) {
            Map<String, String> labels = map(workload.at("/spec/template/metadata/labels"));
            boolean admitted = false;
            for (JsonNode listener : kafkas.get(0).at("/spec/kafka/listeners")) {
                for (JsonNode peer : listener.path("networkPolicyPeers")) {
                    admitted |= labels.entrySet().containsAll(map(peer.at("/podSelector/matchLabels")).entrySet());
                }
            }
            boolean egress = objects.stream().filter(kind("NetworkPolicy"))
                    .filter(p -> labels.entrySet().containsAll(map(p.at("/spec/podSelector/matchLabels")).entrySet()))
                    .anyMatch(p -> p.at("/spec/egress").toString().contains("\"strimzi.io/cluster\":\"" + cluster + "\""));
            if (!admitted || !egress) {
                errors.add(workload.at("/metadata/name").asText() + ": cannot reach Kafka (admitted by listener: "
                        + admitted + ", egress allowed: " + egress + ")");
            }
        }
        JsonNode config = kafkas.get(0).at("/spec/kafka/config");
        assertTrue(config.path("transaction.state.log.replication.factor").asInt() >= 3, "exactly_once_v2 in production");
        assertEquals(List.of(), errors, overlay);
    }

    /**
     * A PrometheusRule, wherever an overlay renders one, holds exactly the rules of dashboards/prometheus (see
     * PrometheusRuleTest); the prometheus-operator overlay renders it, the Azure ones, whose Prometheus does not read
     * the kind, do not.
     */
    @ParameterizedTest
    @MethodSource("overlays")
    void thePrometheusRuleIsTheRulesFile(String overlay) throws IOException {
        List<ObjectNode> rules = RENDERED.get(overlay).stream().filter(kind("PrometheusRule")).toList();
        boolean operator = RENDERED.get(overlay).stream().anyMatch(o ->
                o.path("apiVersion").asText().startsWith("monitoring.coreos.com/") && o.path("kind").asText().endsWith("Monitor"));
        assertEquals(operator ? 1 : 0, rules.size(), overlay + ": PrometheusRules " + rules.size());
        for (ObjectNode rule : rules) {
            assertEquals("meshpulse", rule.at("/metadata/namespace").asText(), overlay);
            assertEquals(List.of(), PrometheusRuleTest.differences(PrometheusRuleTest.rulesGroups(),
                    PrometheusRuleTest.objectGroups(rule)), overlay);
        }
    }

    /** The alert sinks are off by default: their variables are in the ConfigMap, empty. */
    @ParameterizedTest
    @MethodSource("overlays")
    void alertSinksAreDocumentedButOff(String overlay) {
        JsonNode config = configMap(RENDERED.get(overlay), "meshpulse-config");
        for (String name : List.of("MESHPULSE_ALERTMANAGER_URL", "MESHPULSE_WEBHOOK_URL")) {
            assertTrue(config.has(name), overlay + ": " + name + " in meshpulse-config");
            assertEquals("", config.path(name).asText(), overlay + ": " + name);
        }
    }

    /**
     * components/alertmanager on top of an overlay: still valid and sound, the URL set, and the topology pods let
     * out to the Alertmanager port of that URL (rendered from deploy/target, so the paths are the overlays' own).
     */
    @Test
    void theAlertmanagerComponentOpensTheWayToAlertmanager() throws Exception {
        Path dir = DEPLOY.resolve("target/kustomize-alertmanager");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("kustomization.yaml"), String.join("\n",
                "apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization",
                "resources:", "  - ../../overlays/upstream-istio",
                "components:", "  - ../../components/alertmanager", ""));
        List<ObjectNode> objects = Kustomize.render(dir);
        List<String> errors = new ArrayList<>();
        for (ObjectNode object : objects) {
            errors.addAll(schemas.validate(object));
        }
        errors.addAll(Invariants.labelsAndSelectors(objects));
        errors.addAll(Invariants.referencesAndSecrets(objects));
        assertEquals(List.of(), errors);

        // One URL, or one per Alertmanager replica separated by commas: each must be reachable.
        String urls = configMap(objects, "meshpulse-config").path("MESHPULSE_ALERTMANAGER_URL").asText();
        Map<String, String> topology = map(one(objects, "StatefulSet", "meshpulse-topology").at("/spec/template/metadata/labels"));
        for (String u : urls.split(",")) {
            java.net.URI url = java.net.URI.create(u.trim());
            assertEquals("http", url.getScheme(), url.toString());
            // <service>.<namespace>.svc or <pod>.<service>.<namespace>.svc: the namespace is the label before "svc"
            String[] host = url.getHost().split("\\.");
            String namespace = host[java.util.Arrays.asList(host).indexOf("svc") - 1];
            int port = url.getPort();
            boolean allowed = objects.stream().filter(kind("NetworkPolicy"))
                    .filter(p -> Invariants.selects(p.at("/spec/podSelector"), topology))
                    .flatMap(p -> java.util.stream.StreamSupport.stream(p.at("/spec/egress").spliterator(), false))
                    .anyMatch(rule -> rule.path("to").toString().contains("\"kubernetes.io/metadata.name\":\"" + namespace + "\"")
                            && rule.path("ports").toString().contains("\"port\":" + port));
            assertTrue(allowed, "an egress rule lets the topology reach " + url);
        }
    }

    private static JsonNode configMap(List<ObjectNode> objects, String prefix) {
        List<ObjectNode> found = objects.stream().filter(kind("ConfigMap"))
                .filter(c -> c.at("/metadata/name").asText().startsWith(prefix + "-")
                        || c.at("/metadata/name").asText().equals(prefix)).toList();
        assertEquals(1, found.size(), "one ConfigMap " + prefix);
        return found.get(0).path("data");
    }

    /**
     * Every dashboard under dashboards/grafana is rendered into a ConfigMap that Grafana's sidecar picks up
     * (label grafana_dashboard: "1", folder annotation), with the file's content, in every overlay.
     */
    @ParameterizedTest
    @MethodSource("overlays")
    void everyDashboardIsProvisioned(String overlay) throws IOException {
        Path folder = REPO.resolve("dashboards").resolve("grafana");
        Map<String, JsonNode> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(folder)) {
            for (Path p : list.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
                files.put(p.getFileName().toString(), Kustomize.YAML.readTree(p.toFile()));
            }
        }
        assertFalse(files.isEmpty(), "no dashboard found in " + folder);
        List<ObjectNode> dashboards = RENDERED.get(overlay).stream().filter(kind("ConfigMap"))
                .filter(c -> "1".equals(c.at("/metadata/labels/grafana_dashboard").asText())).toList();
        Map<String, JsonNode> provisioned = new TreeMap<>();
        List<String> errors = new ArrayList<>();
        for (ObjectNode c : dashboards) {
            String name = c.at("/metadata/name").asText();
            if (!"meshpulse".equals(c.at("/metadata/annotations/grafana_folder").asText())) {
                errors.add(name + ": no grafana_folder: meshpulse annotation");
            }
            c.path("data").fields().forEachRemaining(e -> {
                try {
                    if (provisioned.put(e.getKey(), Kustomize.YAML.readTree(e.getValue().asText())) != null) {
                        errors.add(e.getKey() + " is in two ConfigMaps");
                    }
                } catch (IOException ex) {
                    errors.add(name + "/" + e.getKey() + ": not JSON: " + ex.getMessage());
                }
            });
        }
        assertEquals(List.of(), errors, overlay);
        assertEquals(files.keySet(), provisioned.keySet(),
                overlay + ": dashboards/grafana/*.json versus the ConfigMaps of dashboards/kustomization.yaml");
        files.forEach((file, json) -> assertEquals(json, provisioned.get(file), overlay + ": content of " + file));
    }
}

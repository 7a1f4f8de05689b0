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
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Renders every overlay under deploy/overlays with {@code kubectl kustomize}, validates each rendered object
 * against its schema, and checks the invariants a platform team relies on. Each check collects every
 * violation before failing, so one run lists them all.
 */
class DeployManifestsTest {

    private static final Path DEPLOY = Path.of("").toAbsolutePath();
    private static final Path REPO = DEPLOY.getParent();
    private static final Set<String> WORKLOADS = Set.of("DaemonSet", "StatefulSet", "Deployment");
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
        List<String> errors = new ArrayList<>();
        for (ObjectNode workload : workloads(overlay)) {
            String name = workload.at("/metadata/name").asText();
            JsonNode pod = workload.at("/spec/template/spec");
            Set<String> hostPaths = new HashSet<>();
            for (JsonNode volume : pod.path("volumes")) {
                if (volume.has("hostPath")) {
                    hostPaths.add(volume.path("name").asText());
                }
            }
            if (pod.path("hostNetwork").asBoolean() || pod.path("hostPID").asBoolean() || pod.path("hostIPC").asBoolean()) {
                errors.add(name + ": shares a host namespace");
            }
            for (JsonNode container : containers(pod)) {
                String where = name + "/" + container.path("name").asText();
                JsonNode security = container.path("securityContext");
                if (security.path("privileged").asBoolean(false)) {
                    errors.add(where + ": privileged");
                }
                if (security.path("allowPrivilegeEscalation").asBoolean(true)) {
                    errors.add(where + ": allowPrivilegeEscalation is not false");
                }
                if (!security.path("readOnlyRootFilesystem").asBoolean(false)) {
                    errors.add(where + ": root file system is writable");
                }
                Set<String> dropped = new HashSet<>();
                security.path("capabilities").path("drop").forEach(c -> dropped.add(c.asText()));
                if (!dropped.contains("ALL")) {
                    errors.add(where + ": does not drop ALL capabilities");
                }
                if (security.path("capabilities").path("add").size() > 0) {
                    errors.add(where + ": adds capabilities " + security.path("capabilities").path("add"));
                }
                for (JsonNode mount : container.path("volumeMounts")) {
                    if (hostPaths.contains(mount.path("name").asText()) && !mount.path("readOnly").asBoolean(false)) {
                        errors.add(where + ": hostPath volume " + mount.path("name").asText() + " mounted read-write");
                    }
                }
            }
        }
        assertEquals(List.of(), errors, overlay);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyContainerHasRequestsLimitsAndProbes(String overlay) {
        List<String> errors = new ArrayList<>();
        for (ObjectNode workload : workloads(overlay)) {
            JsonNode pod = workload.at("/spec/template/spec");
            for (JsonNode container : containers(pod)) {
                String where = workload.at("/metadata/name").asText() + "/" + container.path("name").asText();
                JsonNode resources = container.path("resources");
                for (String needed : List.of("requests/cpu", "requests/memory", "limits/memory")) {
                    if (resources.at("/" + needed).isMissingNode()) {
                        errors.add(where + ": no resources." + needed.replace('/', '.'));
                    }
                }
                for (String probe : List.of("readinessProbe", "livenessProbe")) {
                    if (!container.has(probe)) {
                        errors.add(where + ": no " + probe);
                    }
                }
                Set<String> ports = new HashSet<>();
                container.path("ports").forEach(p -> ports.add(p.path("name").asText()));
                for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
                    JsonNode port = container.path(probe).path("httpGet").path("port");
                    if (port.isTextual() && !ports.contains(port.asText())) {
                        errors.add(where + ": " + probe + " names port " + port.asText() + " that the container lacks");
                    }
                }
            }
        }
        assertEquals(List.of(), errors, overlay);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void labelsAndSelectorsAgree(String overlay) {
        List<ObjectNode> objects = RENDERED.get(overlay);
        List<String> errors = new ArrayList<>();
        List<Map<String, String>> podLabels = new ArrayList<>();
        for (ObjectNode workload : workloads(overlay)) {
            String name = workload.at("/metadata/name").asText();
            Map<String, String> labels = map(workload.at("/spec/template/metadata/labels"));
            podLabels.add(labels);
            Map<String, String> selector = map(workload.at("/spec/selector/matchLabels"));
            if (selector.isEmpty() || !labels.entrySet().containsAll(selector.entrySet())) {
                errors.add(name + ": selector " + selector + " does not select its own pods " + labels);
            }
            if (!map(workload.at("/metadata/labels")).entrySet().containsAll(selector.entrySet())) {
                errors.add(name + ": its own labels lack the selector's " + selector);
            }
        }
        Predicate<Map<String, String>> selectsSomePod =
                selector -> podLabels.stream().anyMatch(l -> l.entrySet().containsAll(selector.entrySet()));
        for (ObjectNode object : objects) {
            String kind = object.path("kind").asText();
            String name = kind + " " + object.at("/metadata/name").asText();
            Map<String, String> selector = switch (kind) {
                case "Service" -> map(object.at("/spec/selector"));
                case "PodDisruptionBudget", "PodMonitor" -> map(object.at("/spec/selector/matchLabels"));
                case "NetworkPolicy" -> map(object.at("/spec/podSelector/matchLabels"));
                default -> null;
            };
            if (selector != null && (selector.isEmpty() || !selectsSomePod.test(selector))) {
                errors.add(name + ": selector " + selector + " selects no meshpulse pod");
            }
            if (kind.equals("ServiceMonitor")) {
                Map<String, String> wanted = map(object.at("/spec/selector/matchLabels"));
                boolean found = objects.stream().filter(kind("Service"))
                        .anyMatch(s -> map(s.at("/metadata/labels")).entrySet().containsAll(wanted.entrySet()));
                if (!found) {
                    errors.add(name + ": selects no Service by " + wanted);
                }
            }
        }
        assertEquals(List.of(), errors, overlay);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void referencesResolveAndNoSecretIsShipped(String overlay) {
        List<ObjectNode> objects = RENDERED.get(overlay);
        Set<String> configMaps = names(objects, "ConfigMap");
        Set<String> accounts = names(objects, "ServiceAccount");
        List<String> errors = new ArrayList<>();
        objects.stream().filter(kind("Secret")).forEach(s -> errors.add("ships a Secret: " + s.at("/metadata/name")));
        for (ObjectNode workload : workloads(overlay)) {
            String name = workload.at("/metadata/name").asText();
            JsonNode pod = workload.at("/spec/template/spec");
            if (!accounts.contains(pod.path("serviceAccountName").asText())) {
                errors.add(name + ": ServiceAccount " + pod.path("serviceAccountName") + " is not deployed");
            }
            if (pod.path("automountServiceAccountToken").asBoolean(true)) {
                errors.add(name + ": mounts a Kubernetes API token it does not need");
            }
            if (!"false".equals(workload.at("/spec/template/metadata/annotations/sidecar.istio.io~1inject").asText())) {
                errors.add(name + ": pods must opt out of sidecar injection");
            }
            for (JsonNode volume : pod.path("volumes")) {
                if (volume.has("configMap") && !configMaps.contains(volume.at("/configMap/name").asText())) {
                    errors.add(name + ": volume from missing ConfigMap " + volume.at("/configMap/name"));
                }
                if (volume.has("secret")) {
                    errors.add(name + ": mounts a Secret");
                }
            }
            for (JsonNode container : containers(pod)) {
                if (!container.path("image").asText().contains("/")) {
                    errors.add(name + ": image " + container.path("image") + " not pointed at a registry by the overlay");
                }
                for (JsonNode from : container.path("envFrom")) {
                    if (from.has("configMapRef") && !configMaps.contains(from.at("/configMapRef/name").asText())) {
                        errors.add(name + ": envFrom missing ConfigMap " + from.at("/configMapRef/name"));
                    }
                    if (from.has("secretRef")) {
                        errors.add(name + ": environment from a Secret");
                    }
                }
                for (JsonNode env : container.path("env")) {
                    if (env.has("valueFrom") && env.get("valueFrom").has("secretKeyRef")) {
                        errors.add(name + ": env " + env.path("name") + " from a Secret");
                    }
                }
            }
            if ("true".equals(workload.at("/spec/template/metadata/labels/azure.workload.identity~1use").asText())) {
                ObjectNode account = one(objects, "ServiceAccount", pod.path("serviceAccountName").asText());
                if (!account.at("/metadata/annotations/azure.workload.identity~1client-id").isTextual()) {
                    errors.add(name + ": uses workload identity but its ServiceAccount has no client-id annotation");
                }
            }
        }
        for (ObjectNode namespace : objects.stream().filter(kind("Namespace")).toList()) {
            if (!namespace.at("/metadata/labels/istio.io~1rev").isMissingNode()
                    || "enabled".equals(namespace.at("/metadata/labels/istio-injection").asText())) {
                errors.add("namespace " + namespace.at("/metadata/name") + " is labelled for sidecar injection");
            }
        }
        assertEquals(List.of(), errors, overlay);
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
        JsonNode config = kafkas.get(0).at("/spec/kafka/config");
        assertTrue(config.path("transaction.state.log.replication.factor").asInt() >= 3, "exactly_once_v2 in production");
        assertEquals(List.of(), errors, overlay);
    }

    @Test
    void everyDashboardIsProvisioned() throws IOException {
        Path folder = REPO.resolve("dashboards");
        Set<String> files;
        try (Stream<Path> list = Files.list(folder)) {
            files = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        List<ObjectNode> dashboards = RENDERED.get("aks-addon").stream().filter(kind("ConfigMap"))
                .filter(c -> "1".equals(c.at("/metadata/labels/grafana_dashboard").asText())).toList();
        Set<String> provisioned = new TreeSet<>();
        dashboards.forEach(c -> c.path("data").fieldNames().forEachRemaining(provisioned::add));
        assertEquals(files, provisioned, "dashboards/*.json versus dashboards/kustomization.yaml");
    }

    private static List<ObjectNode> workloads(String overlay) {
        return RENDERED.get(overlay).stream().filter(o -> WORKLOADS.contains(o.path("kind").asText())).toList();
    }

    private static List<JsonNode> containers(JsonNode pod) {
        List<JsonNode> all = new ArrayList<>();
        pod.path("initContainers").forEach(all::add);
        pod.path("containers").forEach(all::add);
        return all;
    }

    private static Predicate<ObjectNode> kind(String kind) {
        return o -> kind.equals(o.path("kind").asText());
    }

    private static ObjectNode one(List<ObjectNode> objects, String kind, String name) {
        return objects.stream().filter(kind(kind)).filter(o -> name.equals(o.at("/metadata/name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    private static Set<String> names(List<ObjectNode> objects, String kind) {
        return objects.stream().filter(kind(kind)).map(o -> o.at("/metadata/name").asText())
                .collect(Collectors.toSet());
    }

    private static Map<String, String> map(JsonNode node) {
        Map<String, String> out = new HashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}

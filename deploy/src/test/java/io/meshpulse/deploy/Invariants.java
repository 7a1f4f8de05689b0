package io.meshpulse.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The invariants a platform team relies on, checked over one rendered overlay. Each check returns every
 * violation it finds (empty when the overlay is sound), so one run lists them all.
 */
final class Invariants {

    static final Set<String> WORKLOADS = Set.of("DaemonSet", "StatefulSet", "Deployment");

    private Invariants() {
    }

    static List<String> hostAccessAndPrivilege(List<ObjectNode> objects) {
        List<String> errors = new ArrayList<>();
        for (ObjectNode workload : workloads(objects)) {
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
        return errors;
    }

    static List<String> resourcesAndProbes(List<ObjectNode> objects) {
        List<String> errors = new ArrayList<>();
        for (ObjectNode workload : workloads(objects)) {
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
        return errors;
    }

    static List<String> labelsAndSelectors(List<ObjectNode> objects) {
        List<String> errors = new ArrayList<>();
        List<Map<String, String>> podLabels = new ArrayList<>();
        for (ObjectNode workload : workloads(objects)) {
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
                JsonNode wanted = object.at("/spec/selector");
                boolean found = objects.stream().filter(kind("Service"))
                        .anyMatch(s -> selects(wanted, map(s.at("/metadata/labels"))));
                if (!found) {
                    errors.add(name + ": selects no Service by " + wanted);
                }
            }
        }
        return errors;
    }

    /**
     * Every meshpulse pod is scraped once at most. A ServiceMonitor scrapes the pods behind every Service it
     * selects, so two selected Services over the same pods (the topology's ClusterIP and headless Services)
     * scrape each pod twice and double every sum; a PodMonitor scrapes the pods it selects.
     */
    static List<String> scrapedOnce(List<ObjectNode> objects) {
        List<String> errors = new ArrayList<>();
        List<ObjectNode> services = objects.stream().filter(kind("Service")).toList();
        for (ObjectNode workload : workloads(objects)) {
            Map<String, String> pod = map(workload.at("/spec/template/metadata/labels"));
            List<String> scrapers = new ArrayList<>();
            for (ObjectNode monitor : objects) {
                String monitorName = monitor.path("kind").asText() + " " + monitor.at("/metadata/name").asText();
                if (monitor.path("kind").asText().equals("PodMonitor") && selects(monitor.at("/spec/selector"), pod)) {
                    scrapers.add(monitorName);
                }
                if (monitor.path("kind").asText().equals("ServiceMonitor")) {
                    for (ObjectNode service : services) {
                        Map<String, String> serviceSelector = map(service.at("/spec/selector"));
                        if (selects(monitor.at("/spec/selector"), map(service.at("/metadata/labels")))
                                && !serviceSelector.isEmpty() && pod.entrySet().containsAll(serviceSelector.entrySet())) {
                            scrapers.add(monitorName + " through Service " + service.at("/metadata/name").asText());
                        }
                    }
                }
            }
            if (scrapers.size() > 1) {
                errors.add(workload.at("/metadata/name").asText() + ": pods scraped " + scrapers.size() + " times: " + scrapers);
            }
        }
        return errors;
    }

    /** A Kubernetes label selector (matchLabels and matchExpressions) against a set of labels. */
    static boolean selects(JsonNode selector, Map<String, String> labels) {
        if (!labels.entrySet().containsAll(map(selector.path("matchLabels")).entrySet())) {
            return false;
        }
        for (JsonNode e : selector.path("matchExpressions")) {
            String value = labels.get(e.path("key").asText());
            Set<String> values = new HashSet<>();
            e.path("values").forEach(v -> values.add(v.asText()));
            boolean ok = switch (e.path("operator").asText()) {
                case "In" -> value != null && values.contains(value);
                case "NotIn" -> value == null || !values.contains(value);
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                default -> throw new IllegalArgumentException("unknown selector operator in " + e);
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static List<String> referencesAndSecrets(List<ObjectNode> objects) {
        Set<String> configMaps = names(objects, "ConfigMap");
        Set<String> accounts = names(objects, "ServiceAccount");
        List<String> errors = new ArrayList<>();
        objects.stream().filter(kind("Secret")).forEach(s -> errors.add("ships a Secret: " + s.at("/metadata/name")));
        for (ObjectNode workload : workloads(objects)) {
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
        return errors;
    }

    static List<ObjectNode> workloads(List<ObjectNode> objects) {
        return objects.stream().filter(o -> WORKLOADS.contains(o.path("kind").asText())).toList();
    }

    static List<JsonNode> containers(JsonNode pod) {
        List<JsonNode> all = new ArrayList<>();
        pod.path("initContainers").forEach(all::add);
        pod.path("containers").forEach(all::add);
        return all;
    }

    static Predicate<ObjectNode> kind(String kind) {
        return o -> kind.equals(o.path("kind").asText());
    }

    static ObjectNode one(List<ObjectNode> objects, String kind, String name) {
        return objects.stream().filter(kind(kind)).filter(o -> name.equals(o.at("/metadata/name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    static Set<String> names(List<ObjectNode> objects, String kind) {
        return objects.stream().filter(kind(kind)).map(o -> o.at("/metadata/name").asText())
                .collect(Collectors.toSet());
    }

    static Map<String, String> map(JsonNode node) {
        Map<String, String> out = new HashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}

package io.meshpulse.deploy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The invariant checks can fail: each test breaks one thing in a copy of the rendered aks-addon overlay and
 * expects exactly that to be reported, while the unbroken overlay passes.
 */
class InvariantsTest {

    private static List<ObjectNode> sound;
    private static List<ObjectNode> upstream;

    @BeforeAll
    static void render() throws Exception {
        sound = Kustomize.render(Path.of("").toAbsolutePath().resolve("overlays/aks-addon"));
        upstream = Kustomize.render(Path.of("").toAbsolutePath().resolve("overlays/upstream-istio"));
    }

    @Test
    void aWritableHostPathMountIsReported() {
        expect(Invariants::hostAccessAndPrivilege, "DaemonSet", "meshpulse-ingest",
                ds -> ((ObjectNode) ds.at("/spec/template/spec/containers/0/volumeMounts/0")).put("readOnly", false),
                "hostPath volume pod-logs mounted read-write");
    }

    @Test
    void aPrivilegedContainerIsReported() {
        expect(Invariants::hostAccessAndPrivilege, "StatefulSet", "meshpulse-topology",
                sts -> ((ObjectNode) sts.at("/spec/template/spec/containers/0/securityContext")).put("privileged", true),
                "privileged");
    }

    @Test
    void aMissingMemoryLimitIsReported() {
        expect(Invariants::resourcesAndProbes, "Deployment", "meshpulse-ingest-prometheus",
                d -> ((ObjectNode) d.at("/spec/template/spec/containers/0/resources")).remove("limits"),
                "no resources.limits.memory");
    }

    @Test
    void aMissingProbeIsReported() {
        expect(Invariants::resourcesAndProbes, "DaemonSet", "meshpulse-ingest",
                ds -> ((ObjectNode) ds.at("/spec/template/spec/containers/0")).remove("livenessProbe"),
                "no livenessProbe");
    }

    @Test
    void aSelectorThatMissesItsPodsIsReported() {
        expect(Invariants::labelsAndSelectors, "StatefulSet", "meshpulse-topology",
                sts -> ((ObjectNode) sts.at("/spec/template/metadata/labels")).put("app.kubernetes.io/component", "topo"),
                "does not select its own pods");
    }

    @Test
    void aServiceSelectingNothingIsReported() {
        expect(Invariants::labelsAndSelectors, "Service", "meshpulse-topology",
                svc -> ((ObjectNode) svc.at("/spec/selector")).put("app.kubernetes.io/component", "nothing"),
                "selects no meshpulse pod");
    }

    @Test
    void aSecretOrAMissingConfigMapIsReported() {
        expect(Invariants::referencesAndSecrets, "DaemonSet", "meshpulse-ingest",
                ds -> ((ArrayNode) ds.at("/spec/template/spec/containers/0/envFrom")).addObject()
                        .putObject("secretRef").put("name", "kafka-password"),
                "environment from a Secret");
        expect(Invariants::referencesAndSecrets, "StatefulSet", "meshpulse-topology",
                sts -> ((ObjectNode) sts.at("/spec/template/spec/containers/0/envFrom/0/configMapRef")).put("name", "nope"),
                "envFrom missing ConfigMap");
    }

    @Test
    void aMeshedPodIsReported() {
        expect(Invariants::referencesAndSecrets, "StatefulSet", "meshpulse-topology",
                sts -> ((ObjectNode) sts.at("/spec/template/metadata/annotations")).put("sidecar.istio.io/inject", "true"),
                "opt out of sidecar injection");
    }

    @Test
    void aServiceMonitorMatchingTheHeadlessServiceTooIsReported() {
        expect(upstream, Invariants::scrapedOnce, "ServiceMonitor", "meshpulse-topology",
                sm -> ((ObjectNode) sm.at("/spec/selector")).remove("matchExpressions"),
                "meshpulse-topology: pods scraped 2 times");
    }

    private static void expect(Function<List<ObjectNode>, List<String>> check, String kind, String name,
                               Consumer<ObjectNode> breakIt, String expected) {
        expect(sound, check, kind, name, breakIt, expected);
    }

    private static void expect(List<ObjectNode> sound, Function<List<ObjectNode>, List<String>> check, String kind,
                               String name, Consumer<ObjectNode> breakIt, String expected) {
        assertEquals(List.of(), check.apply(sound), "the rendered overlay itself is sound");
        List<ObjectNode> broken = new ArrayList<>();
        for (ObjectNode object : sound) {
            ObjectNode copy = object.deepCopy();
            if (kind.equals(copy.path("kind").asText()) && name.equals(copy.at("/metadata/name").asText())) {
                breakIt.accept(copy);
            }
            broken.add(copy);
        }
        List<String> errors = check.apply(broken);
        assertTrue(errors.stream().anyMatch(e -> e.contains(expected)), "expected '" + expected + "' in " + errors);
    }
}

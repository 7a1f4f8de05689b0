package io.meshpulse.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON schemas of every kind deploy/ renders, kept as test data under {@code src/test/resources/schemas}
 * (see deploy/tools/update-schemas.sh for where they come from):
 * <ul>
 *   <li>Kubernetes built-in kinds, prometheus-operator monitors and PrometheusRule: fabric8 kubernetes-model's generated
 *       JSON schemas, pruned to the definitions reached;</li>
 *   <li>Strimzi kinds: the {@code openAPIV3Schema} of the CRDs Strimzi's crd-generator makes from
 *       io.strimzi:api.</li>
 * </ul>
 * Validation is strict: a field that the schema does not declare is an error, as with kubectl's default
 * server-side field validation (an API server would reject or drop it), so a misspelt or misplaced field
 * fails the test instead of being silently ignored.
 */
final class Schemas {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] STRIMZI_CRDS = {
        "kafkas.kafka.strimzi.io.yaml", "kafkanodepools.kafka.strimzi.io.yaml",
        "kafkatopics.kafka.strimzi.io.yaml", "kafkausers.kafka.strimzi.io.yaml"};
    /**
     * Azure Managed Prometheus defines its PodMonitor/ServiceMonitor under azmonitoring.coreos.com/v1 as a
     * copy of prometheus-operator's; no schema of Azure's own CRD is published in a registry we can reach,
     * so those objects are checked against prometheus-operator's.
     */
    private static final Map<String, String> ALIASES = Map.of(
            "azmonitoring.coreos.com/v1/PodMonitor", "monitoring.coreos.com/v1/PodMonitor",
            "azmonitoring.coreos.com/v1/ServiceMonitor", "monitoring.coreos.com/v1/ServiceMonitor");

    private final Map<String, JsonSchema> byKind = new HashMap<>();

    Schemas() throws IOException {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().build();

        ObjectNode kube = (ObjectNode) read("schemas/kubernetes/kubernetes-definitions.json", JSON);
        ObjectNode definitions = (ObjectNode) kube.get("definitions");
        definitions.forEach(Schemas::strict);
        for (Iterator<Map.Entry<String, JsonNode>> it = kube.get("kinds").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> kind = it.next();
            ObjectNode schema = JSON.createObjectNode();
            schema.put("$ref", "#/definitions/" + kind.getValue().asText());
            schema.set("definitions", definitions);
            byKind.put(kind.getKey(), factory.getSchema(schema, config));
        }
        for (String file : STRIMZI_CRDS) {
            JsonNode crd = read("schemas/strimzi/" + file, Kustomize.YAML);
            String group = crd.path("spec").path("group").asText();
            String kind = crd.path("spec").path("names").path("kind").asText();
            for (JsonNode version : crd.path("spec").path("versions")) {
                ObjectNode schema = ((ObjectNode) version.path("schema").path("openAPIV3Schema")).deepCopy();
                strict(schema);
                // The API server fills these; a CRD's schema leaves them open.
                ObjectNode properties = (ObjectNode) schema.get("properties");
                properties.set("apiVersion", JSON.createObjectNode().put("type", "string"));
                properties.set("kind", JSON.createObjectNode().put("type", "string"));
                properties.set("metadata", definitions.get("kubernetes_apimachinery_ObjectMeta") != null
                        ? JSON.createObjectNode().put("$ref", "#/definitions/kubernetes_apimachinery_ObjectMeta")
                        : JSON.createObjectNode().put("type", "object"));
                schema.set("definitions", definitions);
                byKind.put(group + "/" + version.path("name").asText() + "/" + kind, factory.getSchema(schema, config));
            }
        }
    }

    Set<String> kinds() {
        return byKind.keySet();
    }

    /** The schema violations of one rendered object; an object of a kind with no schema is one violation. */
    List<String> validate(JsonNode object) {
        String key = object.path("apiVersion").asText() + "/" + object.path("kind").asText();
        JsonSchema schema = byKind.get(ALIASES.getOrDefault(key, key));
        String name = key + " " + object.path("metadata").path("name").asText();
        List<String> errors = new ArrayList<>();
        if (schema == null) {
            errors.add(name + ": no schema for this kind (add it to deploy/tools/update-schemas.sh)");
            return errors;
        }
        for (ValidationMessage message : schema.validate(object)) {
            errors.add(name + ": " + message.getMessage());
        }
        return errors;
    }

    /**
     * Closes every object schema that lists its properties and does not explicitly keep unknown fields
     * (x-kubernetes-preserve-unknown-fields) or describe a map (additionalProperties as a schema).
     */
    private static void strict(JsonNode node) {
        if (node instanceof ObjectNode object) {
            boolean hasProperties = object.path("properties").isObject() && object.path("properties").size() > 0;
            boolean preserves = object.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
            JsonNode additional = object.get("additionalProperties");
            if (hasProperties && !preserves && (additional == null || additional.isBoolean())) {
                object.put("additionalProperties", false);
            }
            object.elements().forEachRemaining(Schemas::strict);
        } else if (node instanceof ArrayNode array) {
            array.forEach(Schemas::strict);
        }
    }

    private static JsonNode read(String resource, ObjectMapper mapper) throws IOException {
        try (InputStream in = Schemas.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing test resource " + resource);
            }
            return mapper.readTree(in);
        }
    }
}

package io.meshpulse.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Renders a kustomization with {@code kubectl kustomize} (offline) and parses the result. */
final class Kustomize {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Kustomize() {
    }

    /** kubectl from $KUBECTL, else from the PATH. */
    static String kubectl() {
        String configured = System.getenv("KUBECTL");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "kubectl");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException("kubectl not found on the PATH (set KUBECTL): .ci/run installs it");
    }

    /**
     * The overlays use Kustomize components and the {@code labels} field (Kustomize 4+, kubectl 1.21+).
     * Debian bookworm's own kubectl (kubernetes-client 1.20) is older: say so rather than fail obscurely.
     */
    static void requireComponents() throws IOException, InterruptedException {
        Process process = new ProcessBuilder(kubectl(), "version", "--client").redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Kustomize Version: v(\\d+)").matcher(out);
        if (m.find() && Integer.parseInt(m.group(1)) < 4) {
            throw new IllegalStateException("kubectl's embedded Kustomize is too old for deploy/ (need v4+): " + out);
        }
        if (!m.find(0) && out.matches("(?s).*GitVersion:\"v1\\.(1\\d|20)\\..*")) {
            throw new IllegalStateException("kubectl " + out.trim() + " is too old for deploy/ (need 1.21+)");
        }
    }

    static List<ObjectNode> render(Path kustomization) throws IOException, InterruptedException {
        Path out = Files.createTempFile("kustomize", ".yaml");
        Path err = Files.createTempFile("kustomize", ".err");
        try {
            Process process = new ProcessBuilder(kubectl(), "kustomize", kustomization.toString())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            // Generous: the machine is shared; rendering takes well under a second when it is quiet.
            if (!process.waitFor(180, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("kubectl kustomize " + kustomization + " did not finish in 180 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("kubectl kustomize " + kustomization + " failed: "
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return parse(Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static List<ObjectNode> parse(String multiDocumentYaml) throws IOException {
        List<ObjectNode> objects = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(multiDocumentYaml)) {
            while (it.hasNext()) {
                JsonNode node = it.next();
                if (node != null && node.isObject()) {
                    objects.add((ObjectNode) node);
                }
            }
        }
        return objects;
    }
}

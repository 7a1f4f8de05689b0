package io.meshpulse.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unpacks the image archive that Jib wrote (profile "image"), applies its layers in order into a root file
 * system, and runs the image's entrypoint inside it, as the image's user, the way a container runtime would:
 * a new mount and PID namespace with /proc mounted, chroot into the layers, the image's environment only.
 * No container engine is involved; the JVM that runs is the one in the image.
 */
@EnabledIfSystemProperty(named = "meshpulse.image.tar", matches = ".+")
class ImageIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    static Path rootfs;
    static JsonNode config;

    @BeforeAll
    static void unpack() throws Exception {
        Path tar = Path.of(System.getProperty("meshpulse.image.tar"));
        assertTrue(Files.isRegularFile(tar), "image archive " + tar + " (built by -Pimage)");
        Path archive = work.resolve("archive");
        rootfs = work.resolve("rootfs");
        Files.createDirectories(archive);
        Files.createDirectories(rootfs);
        run(List.of("tar", "-xf", tar.toString(), "-C", archive.toString()), 300);
        JsonNode manifest = JSON.readTree(archive.resolve("manifest.json").toFile()).get(0);
        config = JSON.readTree(archive.resolve(manifest.get("Config").asText()).toFile());
        for (JsonNode layer : manifest.get("Layers")) {
            // tar detects gzip itself; layers are applied bottom-up, later files replace earlier ones.
            run(List.of("tar", "-xf", archive.resolve(layer.asText()).toString(), "-C", rootfs.toString()), 300);
        }
    }

    @Test
    void entrypointPrintsTheVersion() throws Exception {
        List<String> command = new ArrayList<>();
        config.at("/config/Entrypoint").forEach(a -> command.add(a.asText()));
        config.at("/config/Cmd").forEach(a -> command.add(a.asText()));
        command.add("--version");
        assertEquals("java", command.get(0), "Jib's entrypoint starts the image's JVM: " + command);

        String user = config.at("/config/User").asText();
        assertEquals("65532:65532", user, "runs as the non-root user the manifests expect");
        List<String> full = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork",
                "--mount-proc=" + rootfs.resolve("proc")));
        if (!"root".equals(System.getProperty("user.name"))) {
            // Without root, a user namespace maps us to root inside it; the image's user cannot be mapped too.
            full.add(1, "--map-root-user");
            full.addAll(List.of("chroot", rootfs.toString()));
        } else {
            full.addAll(List.of("chroot", "--userspec=" + user, rootfs.toString()));
        }
        // chroot looks the program up on the image's PATH (its Env), not the host's.
        String path = "";
        List<String> env = new ArrayList<>();
        for (JsonNode e : config.at("/config/Env")) {
            env.add(e.asText());
            if (e.asText().startsWith("PATH=")) {
                path = e.asText().substring(5);
            }
        }
        String java = null;
        for (String dir : path.split(":")) {
            if (Files.isExecutable(rootfs.resolve(dir.substring(1)).resolve("java"))) {
                java = dir + "/java";
                break;
            }
        }
        assertTrue(java != null, "a java on the image's PATH " + path);
        command.set(0, java);
        full.addAll(command);

        ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true);
        builder.environment().clear();
        for (String e : env) {
            int eq = e.indexOf('=');
            builder.environment().put(e.substring(0, eq), e.substring(eq + 1));
        }
        // the JVM options the topology's StatefulSet gives it: they must start the image's JVM (the vector module
        // the parser uses is part of the image's JRE)
        builder.environment().put("JAVA_TOOL_OPTIONS", statefulSetJavaToolOptions());
        builder.directory(work.toFile());
        Result result = run(builder, 180);
        assertEquals(0, result.exit, result.output);
        String version = System.getProperty("meshpulse.version", "");
        assertTrue(result.output.contains("meshpulse") && result.output.contains(version),
                "expected 'meshpulse " + version + "' from " + command + ", got: " + result.output);
    }

    @Test
    void baseRecordsItsPackagesAndTrustsPublicCertificateAuthorities() throws IOException {
        Path lock = rootfs.resolve("etc/meshpulse-base-packages.lock");
        String packages = Files.readString(lock, StandardCharsets.UTF_8);
        assertTrue(packages.contains("openjdk-17-jre-headless "), packages);
        // Azure (Entra ID, Monitor, Event Hubs) is reached over TLS: the JRE needs its trust store.
        assertTrue(Files.size(rootfs.resolve("etc/ssl/certs/java/cacerts")) > 50_000, "cacerts present");
    }

    /** The value of JAVA_TOOL_OPTIONS in deploy/base/topology-statefulset.yaml. */
    private static String statefulSetJavaToolOptions() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("base/topology-statefulset.yaml"), StandardCharsets.UTF_8);
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).trim().equals("- name: JAVA_TOOL_OPTIONS")) {
                String value = lines.get(i + 1).trim();
                assertTrue(value.startsWith("value: "), value);
                return value.substring("value: ".length());
            }
        }
        throw new AssertionError("no JAVA_TOOL_OPTIONS in base/topology-statefulset.yaml");
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, int seconds) throws Exception {
        return run(new ProcessBuilder(command).redirectErrorStream(true), seconds);
    }

    private static Result run(ProcessBuilder builder, int seconds) throws Exception {
        Path log = Files.createTempFile(work, "out", ".log");
        Process process = builder.redirectOutput(log.toFile()).start();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(builder.command() + " did not finish in " + seconds + " s");
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (builder.command().get(0).equals("tar") && process.exitValue() != 0) {
            throw new AssertionError(builder.command() + " failed: " + output);
        }
        return new Result(process.exitValue(), output);
    }
}

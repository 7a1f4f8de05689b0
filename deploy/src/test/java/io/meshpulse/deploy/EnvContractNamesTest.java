package io.meshpulse.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The environment contract between the manifests and the app, by name (no kubectl needed): every
 * {@code MESHPULSE_*} variable the manifests set or expand is a row of deploy/README.md's "Contract with the app"
 * table and is read somewhere in the app's sources; every variable of the table is used by some manifest.
 */
class EnvContractNamesTest {
    private static final Path DEPLOY = Path.of("").toAbsolutePath();
    private static final Path REPO = DEPLOY.getParent();
    private static final Pattern NAME = Pattern.compile("MESHPULSE_[A-Z0-9_]*[A-Z0-9]");

    static Set<String> names(String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = NAME.matcher(text);
        while (m.find()) out.add(m.group());
        return out;
    }

    static Set<String> manifestNames() throws IOException {
        Set<String> out = new TreeSet<>();
        for (String dir : List.of("base", "components", "overlays")) {
            try (Stream<Path> files = Files.walk(DEPLOY.resolve(dir))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                    StringBuilder code = new StringBuilder();
                    for (String line : Files.readAllLines(f)) {
                        String t = line.strip();
                        if (!t.startsWith("#")) code.append(line).append('\n');
                    }
                    out.addAll(names(code.toString()));
                }
            }
        }
        return out;
    }

    static Set<String> contractTableNames() throws IOException {
        String readme = Files.readString(DEPLOY.resolve("README.md"));
        int start = readme.indexOf("## Contract with the app");
        assertTrue(start >= 0, "deploy/README.md has a 'Contract with the app' section");
        int end = readme.indexOf("\n## ", start + 1);
        Set<String> out = new TreeSet<>();
        for (String line : readme.substring(start, end < 0 ? readme.length() : end).split("\n")) {
            if (line.startsWith("| `")) {
                // the first column only: the meaning column may name other variables (e.g. MESHPULSE_ALERTS_*)
                out.addAll(names(line.split("\\|")[1]));
            }
        }
        return out;
    }

    static String mainSources() throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> modules = Files.list(REPO)) {
            for (Path module : modules.filter(m -> Files.isDirectory(m.resolve("src/main/java"))).toList()) {
                try (Stream<Path> files = Files.walk(module.resolve("src/main/java"))) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                        all.append(Files.readString(f)).append('\n');
                    }
                }
            }
        }
        return all.toString();
    }

    @Test
    void everyManifestVariableIsInTheContractAndReadByTheApp() throws IOException {
        Set<String> manifests = manifestNames();
        assertTrue(manifests.contains("MESHPULSE_MESH_FLAVOR") && manifests.contains("MESHPULSE_BOOTSTRAP_SERVERS"),
                "the scan finds the manifests' variables: " + manifests);
        Set<String> table = contractTableNames();
        String sources = mainSources();
        List<String> problems = new ArrayList<>();
        for (String n : manifests) {
            if (!table.contains(n)) problems.add(n + " is set by a manifest but not in the contract table");
            // a literal name: "MESHPULSE_X" or ${env:MESHPULSE_X...}
            if (!Pattern.compile("[\"{:]" + n + "[\"}:]").matcher(sources).find()) {
                problems.add(n + " is set by a manifest but no source under */src/main/java reads it");
            }
        }
        for (String n : table) {
            if (!manifests.contains(n)) problems.add(n + " is in the contract table but no manifest uses it");
        }
        assertEquals(List.of(), problems);
    }
}

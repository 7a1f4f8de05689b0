package io.meshpulse.app.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A meshpulse command started as a JVM of its own from the test's class path, its output (stdout and stderr) in a
 * file, with only the environment the test gives it: no meshpulse defaults, Kafka settings or Azure identity of the
 * machine's leak in.
 */
public final class MeshpulseProcess {
    /** Small and quick to start: what a child that only tails, polls or counts a test's lines needs. */
    public static final List<String> SMALL_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private MeshpulseProcess() {}

    /** Starts {@code java <jvmOptions> -cp <test class path> io.meshpulse.app.cli.Meshpulse <args>}. */
    public static Process start(List<String> jvmOptions, Map<String, String> env, List<String> args, Path output)
            throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", cp, Meshpulse.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("MESHPULSE_") || k.startsWith("AZURE_")
                || k.startsWith("IDENTITY_") || k.startsWith("MSI_"));
        pb.environment().putAll(env);
        return pb.start();
    }
}

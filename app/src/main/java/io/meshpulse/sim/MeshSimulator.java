package io.meshpulse.sim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates the istio-proxy log files of a simulated AKS mesh (Istio add-on) as the kubelet lays them out on a
 * node, and the exact truth of what was written.
 *
 * <pre>
 * outDir/var/log/pods/&lt;ns&gt;_&lt;pod&gt;_&lt;uid&gt;/istio-proxy/&lt;restart&gt;.log[.&lt;YYYYMMDD-HHMMSS&gt;[.gz]]
 * outDir/var/log/pods/&lt;ns&gt;_&lt;pod&gt;_&lt;uid&gt;/&lt;app-container&gt;/0.log
 * outDir/truth.json
 * </pre>
 *
 * Each physical line is a CRI record {@code <RFC3339Nano write time> stdout|stderr F <content>}. Access-log
 * lines and istio-agent lines go to stdout; Envoy's own warnings go to stderr, as in a real istio-proxy.
 * The write time of a request's line is its start time + duration + a few ms, never more than
 * {@link SimConfig#maxLateness()} after the start; within a file write times never decrease.
 * Output is byte-identical for the same spec, config and seed.
 */
public final class MeshSimulator {

    private MeshSimulator() {}

    /**
     * Writes the mesh's files under {@code outDir}, which must not hold a node's logs already: the generator appends
     * to the kubelet's files as a container would, so a second run into the same folder would give every file its
     * lines twice (the second copy starting over from the first line's time), and the truth would describe only one.
     *
     * @throws OutputHoldsLogs when {@code outDir/var/log/pods} exists and is not empty
     */
    public static SimResult generate(MeshSpec spec, SimConfig config, Path outDir) throws IOException {
        if (holdsLogs(outDir)) throw new OutputHoldsLogs(outDir);
        Files.createDirectories(outDir);
        return new Engine(spec, config, outDir).run();
    }

    /** The output folder of {@link #generate} already holds a node's logs. */
    public static final class OutputHoldsLogs extends IllegalArgumentException {
        OutputHoldsLogs(Path outDir) {
            super(outDir + " already holds generated logs (" + outDir.resolve("var/log/pods") + "): the new ones would "
                    + "be appended to them and every line counted twice; choose another folder or remove that one first");
        }
    }

    /** Whether {@code outDir} already holds a node's logs ({@code outDir/var/log/pods} exists and is not empty). */
    public static boolean holdsLogs(Path outDir) throws IOException {
        Path pods = outDir.resolve("var/log/pods");
        if (!Files.isDirectory(pods)) return false;
        try (var entries = Files.list(pods)) {
            return entries.findAny().isPresent();
        }
    }

    /**
     * {@code MeshSimulator --out DIR [--spec aksShop|synthetic:NS,W,FANOUT,REPLICAS] [--minutes M] [--seed S]
     * [--rate X] [--rotate-bytes N] [--no-gzip] [--no-noise] [--restart] [--incident KIND,caller,callee,startMin,minutes,fraction]...}
     */
    public static void main(String[] args) throws IOException {
        Path out = null;
        String specArg = "aksShop";
        double minutes = 10;
        long seed = 42;
        double rate = 1;
        long rotate = SimConfig.KUBELET_MAX_SIZE;
        boolean gzip = true;
        boolean noise = true;
        boolean restart = false;
        Instant start = Instant.parse("2025-03-01T10:00:00Z");
        List<String[]> incidentArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--spec" -> specArg = args[++i];
                case "--minutes" -> minutes = Double.parseDouble(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--rotate-bytes" -> rotate = Long.parseLong(args[++i]);
                case "--start" -> start = Instant.parse(args[++i]);
                case "--no-gzip" -> gzip = false;
                case "--no-noise" -> noise = false;
                case "--restart" -> restart = true;
                case "--incident" -> incidentArgs.add(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (out == null) throw new IllegalArgumentException("--out DIR is required");
        MeshSpec spec;
        if (specArg.equals("aksShop")) {
            spec = MeshSpec.aksShop();
        } else if (specArg.startsWith("synthetic:")) {
            String[] p = specArg.substring("synthetic:".length()).split(",");
            spec = MeshSpec.synthetic(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]),
                    Integer.parseInt(p[3]), seed);
        } else {
            throw new IllegalArgumentException("unknown spec " + specArg);
        }
        List<Incident> incidents = new ArrayList<>();
        for (String[] a : incidentArgs) {
            incidents.add(Incident.of(Incident.Kind.valueOf(a[0]), a[1], a[2],
                    start.plus(Duration.ofSeconds(Math.round(Double.parseDouble(a[3]) * 60))),
                    Duration.ofSeconds(Math.round(Double.parseDouble(a[4]) * 60)), Double.parseDouble(a[5])));
        }
        SimConfig cfg = SimConfig.defaults(seed, start, Duration.ofMillis(Math.round(minutes * 60_000)))
                .withRateMultiplier(rate).withRotation(rotate, gzip).withNoise(noise).withContainerRestart(restart)
                .withIncidents(incidents);
        SimResult r = generate(spec, cfg, out);
        SimResult.Truth t = r.truth();
        System.out.printf("%s: %d lines (%d access, %d other) in %d pairs, %d pods, %d ms (%.0f lines/s)%n",
                t.spec(), t.lines(), t.accessLogLines(), t.otherLines(), t.pairs().size(), t.pods().size(),
                r.elapsedMillis(), t.lines() * 1000.0 / Math.max(1, r.elapsedMillis()));
        System.out.println("truth: " + r.truthFile());
    }
}

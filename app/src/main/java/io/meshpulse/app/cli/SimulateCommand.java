package io.meshpulse.app.cli;

import io.meshpulse.sim.Incident;
import io.meshpulse.sim.Scenario;
import io.meshpulse.sim.SimResult;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "simulate", mixinStandardHelpOptions = true,
        header = "Write the log files of an AKS shop mesh with a named incident (fire drills).",
        description = {"Writes the istio-proxy log files (kubelet layout, CRI envelopes, rotation) of an AKS shop mesh "
                + "with a named incident injected: one scenario per diagnosis-catalog entry, plus 'baseline'.",
                "Replay them with: bin/meshpulse replay --input DIR/var/log/pods --out RESULTS"})
final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--scenario", defaultValue = "uc-client-tls-disable", paramLabel = "NAME",
            description = "Scenario to inject (default ${DEFAULT-VALUE}); --list shows them all.")
    String scenario;

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write the node's log files (DIR/var/log/pods/...); required unless --list.")
    Path out;

    @Option(names = "--seed", defaultValue = "20261120", description = "Generator seed; the same seed gives the same files.")
    long seed;

    @Option(names = "--list", description = "List the scenarios and exit.")
    boolean list;

    @Override
    public Integer call() throws Exception {
        if (list) {
            for (Scenario s : Scenario.ALL.values()) System.out.printf("%-36s %s%n", s.name(), s.description());
            return 0;
        }
        if (out == null) {
            System.err.println("--out DIR is required");
            return 2;
        }
        Scenario s;
        try {
            s = Scenario.named(scenario);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        SimResult r;
        try {
            r = s.generate(out, seed);
        } catch (io.meshpulse.sim.MeshSimulator.OutputHoldsLogs e) {
            throw new SettingsError("--out " + e.getMessage());
        }
        System.out.printf("%s: %s%n", s.name(), s.description());
        System.out.printf("wrote %,d istio-proxy lines of %d pods (%s to %s) under %s%n", r.truth().lines(),
                r.truth().pods().size(), r.truth().start(), r.truth().end(), out.resolve("var/log/pods"));
        for (Incident i : s.incidents()) {
            System.out.printf("incident %s: %s/%s -> %s%s from %s for %ds, %.0f%% of requests%n", i.kind(),
                    i.callerNamespace(), i.callerWorkload(), i.calleeNamespace() == null ? "" : i.calleeNamespace() + "/",
                    i.calleeService(), i.start(), i.duration().toSeconds(), i.fraction() * 100);
        }
        if (s.failureClass() != null) {
            System.out.printf("expected alert: %s (%s reporter) %s -> %s, catalog entry %s%n", s.failureClass(),
                    s.reporter(), s.source() == null ? "a caller without a sidecar (named by its IP)" : s.source(),
                    s.destination(), s.catalogEntry());
        }
        System.out.println("truth: " + r.truthFile());
        // the pods' folder rather than DIR: DIR also holds truth.json, which replay would warn is not a container log
        System.out.println("next: bin/meshpulse replay --input " + out.resolve("var/log/pods") + " --out "
                + out.resolveSibling(out.getFileName() + "-results"));
        return 0;
    }
}

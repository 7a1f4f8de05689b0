package io.meshpulse.app.cli;

import io.meshpulse.sim.Incident;
import io.meshpulse.sim.LiveDrill;
import io.meshpulse.sim.Scenario;
import io.meshpulse.sim.SimResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "simulate", mixinStandardHelpOptions = true,
        header = "Write the log files of an AKS shop mesh with a named incident (fire drills).",
        description = {"Writes the istio-proxy log files (kubelet layout, CRI envelopes, rotation) of an AKS shop mesh "
                + "with a named incident injected: one scenario per diagnosis-catalog entry, plus 'baseline'.",
                "Replay them with: bin/meshpulse replay --input DIR/var/log/pods --out RESULTS",
                "With --live the same lines are written as their time comes, moved to today, for a meshpulse that "
                        + "follows DIR live: bin/meshpulse run --tail-path 'DIR/var/log/pods/*/*/*.log' (start it "
                        + "first). A drill takes about four minutes; the incident begins after two."})
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

    @Option(names = "--live", description = "Write the lines as their time comes, with today's times, instead of "
            + "all at once (a fire drill for a running meshpulse); only the log files, no truth.json.")
    boolean live;

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
        if (live) return live(s);
        SimResult r;
        try {
            r = s.generate(out, seed);
        } catch (io.meshpulse.sim.MeshSimulator.OutputHoldsLogs e) {
            throw new SettingsError("--out " + e.getMessage());
        }
        System.out.printf("%s: %s%n", s.name(), s.description());
        System.out.printf("wrote %,d istio-proxy lines of %d pods (%s to %s) under %s%n", r.truth().lines(),
                r.truth().pods().size(), r.truth().start(), r.truth().end(), out.resolve("var/log/pods"));
        printIncidents(s, 0);
        System.out.println("truth: " + r.truthFile());
        // the pods' folder rather than DIR: DIR also holds truth.json, which replay would warn is not a container log
        System.out.println("next: bin/meshpulse replay --input " + out.resolve("var/log/pods") + " --out "
                + out.resolveSibling(out.getFileName() + "-results"));
        return 0;
    }

    /** The scenario's incidents, their times moved by {@code shiftMillis}, and the alert they should raise. */
    private static void printIncidents(Scenario s, long shiftMillis) {
        for (Incident i : s.incidents()) {
            System.out.printf("incident %s: %s/%s -> %s%s from %s for %ds, %.0f%% of requests%n", i.kind(),
                    i.callerNamespace(), i.callerWorkload(), i.calleeNamespace() == null ? "" : i.calleeNamespace() + "/",
                    i.calleeService(), i.start().plusMillis(shiftMillis), i.duration().toSeconds(), i.fraction() * 100);
        }
        if (s.failureClass() != null) {
            System.out.printf("expected alert: %s (%s reporter) %s -> %s, catalog entry %s%n", s.failureClass(),
                    s.reporter(), expectedSource(s), s.destination(), s.catalogEntry());
        }
    }

    /**
     * Who the expected alert names as its source: a workload, or none. An error-budget burn is the destination's, over
     * all its callers; otherwise no source means a caller without a sidecar, which alerts name by its IP.
     */
    static String expectedSource(Scenario s) {
        if (s.source() != null) return s.source();
        return "SLO_BURN".equals(s.failureClass()) ? "all callers" : "a caller without a sidecar (named by its IP)";
    }

    /** {@code --live}: the drill generated aside, then played into {@code out} on the wall clock. */
    private int live(Scenario s) throws Exception {
        LiveDrill.Plan plan;
        try {
            plan = LiveDrill.prepare(s, seed, out, LiveDrill.Clock.SYSTEM.nowMillis());
        } catch (io.meshpulse.sim.MeshSimulator.OutputHoldsLogs e) {
            throw new SettingsError("--out " + e.getMessage());
        }
        Path pods = out.resolve("var/log/pods");
        Files.createDirectories(pods);
        System.out.printf("%s: %s%n", s.name(), s.description());
        System.out.printf("writing %,d lines under %s as their time comes, %s to %s (%s); Ctrl-C stops%n",
                plan.lines().size(), pods, plan.start(), plan.end(), minutes(LiveDrill.length(plan)));
        printIncidents(s, plan.shiftMillis());
        System.out.println("follow it with (started first, or with --tail-from-beginning): bin/meshpulse run "
                + "--tail-path '" + pods + "/*/*/*.log'");
        System.out.flush();
        long[] nextReport = {plan.start().toEpochMilli() + 30_000};
        int[] nextIncident = {0};
        List<Instant> incidents = plan.incidents();
        long written = LiveDrill.play(plan, out, LiveDrill.Clock.SYSTEM, (n, due) -> {
            while (nextIncident[0] < incidents.size() && due >= incidents.get(nextIncident[0]).toEpochMilli()) {
                System.out.printf("%s  the incident begins: its first affected request started at %s%n",
                        Instant.ofEpochMilli(due), incidents.get(nextIncident[0]));
                nextIncident[0]++;
            }
            if (due >= nextReport[0]) {
                System.out.printf("%s  %,d lines written%n", Instant.ofEpochMilli(due), n);
                nextReport[0] = due + 30_000;
            }
        });
        System.out.printf("done: %,d lines written under %s%n", written, pods);
        return 0;
    }

    private static String minutes(Duration d) {
        long s = d.toSeconds();
        return s / 60 + " min " + s % 60 + " s";
    }
}

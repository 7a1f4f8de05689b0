package io.meshpulse.alerts.diagnose;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.Flavour;
import io.meshpulse.alerts.catalog.Catalog;
import io.meshpulse.alerts.catalog.Template;
import io.meshpulse.model.Alert;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns an alert's facts (its class, reporter, cause keyword, the signals the correlator found and the values of
 * the placeholders) into a diagnosis: the catalog entry that explains it, causes ranked by evidence, commands in
 * the configured flavour, and the fix.
 */
public final class Diagnoser {
    /** The revision when none is configured: a shell variable that the first command sets from istiod's label. */
    public static final String REVISION_VAR = "${ASM_REV}";

    private final Catalog catalog;
    private final AlertSettings settings;

    public Diagnoser(Catalog catalog, AlertSettings settings) {
        this.catalog = catalog;
        this.settings = settings;
    }

    public record Result(Catalog.Entry entry, Alert.Diagnosis diagnosis) {}

    public Result diagnose(String failureClass, String reporter, String cause, Set<String> signals,
                           Map<String, String> facts, String observedEvidence) {
        Catalog.Entry e = catalog.find(failureClass, reporter, cause, signals);
        Map<String, String> v = new java.util.HashMap<>(flavourValues());
        v.putAll(facts);
        List<Catalog.Cause> ranked = e.ranked(signals);
        Catalog.Cause top = ranked.get(0);

        StringBuilder summary = new StringBuilder(Template.render(e.summary(), v));
        summary.append(" Most likely: ").append(Template.render(top.text(), v));
        if (ranked.size() > 1) {
            summary.append(" Otherwise: ");
            for (int i = 1; i < ranked.size(); i++) {
                if (i > 1) summary.append(" / ");
                summary.append(Template.render(ranked.get(i).text(), v));
            }
        }
        List<String> evidence = new ArrayList<>();
        if (observedEvidence != null) evidence.add(observedEvidence);
        for (String s : catalog.signals().keySet().stream().sorted().toList()) {
            if (signals.contains(s)) evidence.add(Template.render(catalog.signals().get(s), v));
        }
        Set<String> commands = new LinkedHashSet<>();
        for (String c : top.commands()) if (Template.applies(c, v)) commands.add(Template.render(c, v));
        for (String c : e.commands()) if (Template.applies(c, v)) commands.add(Template.render(c, v));
        if (ranked.size() > 1) {
            for (String c : ranked.get(1).commands()) if (Template.applies(c, v)) commands.add(Template.render(c, v));
        }
        List<String> cmds = new ArrayList<>();
        List<String> fix = new ArrayList<>();
        for (String f : top.fix()) if (Template.applies(f, v)) fix.add(Template.render(f, v));
        if (commands.stream().anyMatch(c -> c.contains(REVISION_VAR)) || fix.stream().anyMatch(c -> c.contains(REVISION_VAR))) {
            cmds.add(revisionLookup());
        }
        cmds.addAll(commands);
        String title = Template.render(e.title(), v);
        return new Result(e, new Alert.Diagnosis(title, summary.toString(), evidence, cmds, fix));
    }

    /** The command that sets {@code ASM_REV} from the running control plane. */
    public String revisionLookup() {
        return "ASM_REV=$(kubectl get deploy -n " + settings.rootNamespace()
                + " -l app=istiod -o jsonpath='{.items[0].metadata.labels.istio\\.io/rev}')";
    }

    Map<String, String> flavourValues() {
        String rev = settings.revision() != null ? settings.revision() : REVISION_VAR;
        String root = settings.rootNamespace();
        boolean aks = settings.flavour() == Flavour.AKS;
        String injection = aks || settings.revision() != null ? "istio.io/rev=" + rev : "istio-injection=enabled";
        String meshConfig = aks ? "istio-shared-configmap-" + rev : "istio";
        // A revision's injection webhook selects istio.io/rev=<revision> only in namespaces without an
        // istio-injection label, so with the revision label that label has to go; with istio-injection=enabled
        // (upstream without a revision) there is nothing to remove, and the step is left out.
        String removeInjection = injection.startsWith("istio.io/rev=") ? "istio-injection-" : "";
        return Map.of("revision", rev, "istioNamespace", root, "ingressNamespace", settings.gatewayNamespace(),
                "injectionLabel", injection, "removeInjectionLabel", removeInjection,
                "istioctl", "istioctl --istioNamespace " + root, "meshConfig", meshConfig);
    }
}

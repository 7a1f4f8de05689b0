package io.meshpulse.alerts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Every threshold of detection and every knob of the printed commands, with its default. The README's "Alerts"
 * section explains why each default is what it is; {@link #KEYS} holds the same in one line each.
 *
 * <p>Keys are {@code meshpulse.alerts.<name>} in a properties map, or {@code MESHPULSE_ALERTS_<NAME>} in the
 * environment (dots and dashes become underscores).
 */
public record AlertSettings(
        Flavour flavour,
        String revision,
        String istioNamespace,
        String ingressNamespace,
        int minRequests,
        int minFailures,
        double minRatio,
        double ratioFactor,
        double baselineFloor,
        double significance,
        int baselineHalfLifeWindows,
        int accumulateWindows,
        Duration accumulateMaxAge,
        int resolveCleanWindows,
        double criticalRatio,
        double outageRatio,
        double silenceMinRequests,
        int silenceMinWindows,
        int silenceWindows,
        int staleWindows,
        double sloTarget,
        Duration burnFastLong, Duration burnFastShort, double burnFastFactor,
        Duration burnSlowLong, Duration burnSlowShort, double burnSlowFactor,
        long burnMinRequests,
        Duration burnKeepFiring,
        Duration settleDelay,
        int exemplarsPerAlert,
        boolean redact,
        boolean egressAudit,
        Duration resolvedRetention) {

    public static final String PREFIX = "meshpulse.alerts.";

    /**
     * The names the deploy manifests use for some keys (deploy/README.md, "Contract with the app"), by key. Each is
     * read when the key's own {@code MESHPULSE_ALERTS_*} variable is absent; a blank value counts as absent.
     */
    public static final Map<String, String> CONTRACT_ENV = Map.of(
            "flavour", "MESHPULSE_MESH_FLAVOR",
            "istio-namespace", "MESHPULSE_ISTIO_NAMESPACE",
            "revision", "MESHPULSE_ISTIO_REVISION",
            "redact", "MESHPULSE_REDACT_QUERY_STRINGS");

    /** A setting: its name, what it does and why the default, and how to apply a string value to a builder. */
    public record Key(String name, String doc, String defaultValue, BiConsumer<Builder, String> apply) {}

    public static final List<Key> KEYS;

    static {
        List<Key> k = new ArrayList<>();
        k.add(new Key("flavour", "AKS (Istio add-on; also aks-addon) or UPSTREAM (also upstream): which namespaces, labels and flags commands use", "AKS",
                (b, v) -> b.flavour = Flavour.parse(v)));
        k.add(new Key("revision", "control-plane revision (asm-1-24); empty = commands look it up from istiod's label", "",
                (b, v) -> b.revision = v.isBlank() ? null : v.trim()));
        k.add(new Key("istio-namespace", "root namespace; empty = aks-istio-system (AKS) or istio-system (UPSTREAM)", "",
                (b, v) -> b.istioNamespace = v.isBlank() ? null : v.trim()));
        k.add(new Key("ingress-namespace", "gateway namespace; empty = aks-istio-ingress (AKS) or istio-ingress (UPSTREAM)", "",
                (b, v) -> b.ingressNamespace = v.isBlank() ? null : v.trim()));
        k.add(new Key("min-requests", "a window with fewer requests never raises a ratio alert on its own: 10 requests give a 10% resolution", "10",
                (b, v) -> b.minRequests = Integer.parseInt(v.trim())));
        k.add(new Key("min-failures", "failures of the class needed in the evaluated span: one or two failed calls are not an incident", "3",
                (b, v) -> b.minFailures = Integer.parseInt(v.trim())));
        k.add(new Key("min-ratio", "class ratio below which nothing pages: 5% is where users start to notice", "0.05",
                (b, v) -> b.minRatio = Double.parseDouble(v.trim())));
        k.add(new Key("ratio-factor", "the ratio must also be this many times the pair's own baseline, so a chronic 1% needs 3%+ to count", "3",
                (b, v) -> b.ratioFactor = Double.parseDouble(v.trim())));
        k.add(new Key("baseline-floor", "smallest baseline used in the significance test: a clean pair is not assumed perfect", "0.002",
                (b, v) -> b.baselineFloor = Double.parseDouble(v.trim())));
        k.add(new Key("significance", "binomial tail probability under the baseline below which the count is abnormal (~1 false alarm per 10^5 tests)", "1e-5",
                (b, v) -> b.significance = Double.parseDouble(v.trim())));
        k.add(new Key("baseline-half-life-windows", "EWMA half-life of the baseline, in clean windows (30 × 10 s = 5 min)", "30",
                (b, v) -> b.baselineHalfLifeWindows = Integer.parseInt(v.trim())));
        k.add(new Key("accumulate-windows", "consecutive suspicious windows pooled for low-traffic pairs (6 × 10 s = 1 min)", "6",
                (b, v) -> b.accumulateWindows = Integer.parseInt(v.trim())));
        k.add(new Key("accumulate-max-age", "a quiet pair's pool keeps older windows while the newer ones hold fewer than min-requests requests, up to this age (2 min: a caller failing one call per 10 s fires)", "PT2M",
                (b, v) -> b.accumulateMaxAge = Duration.parse(v.trim())));
        k.add(new Key("resolve-clean-windows", "consecutive clean windows before a firing alert resolves (hysteresis, 30 s)", "3",
                (b, v) -> b.resolveCleanWindows = Integer.parseInt(v.trim())));
        k.add(new Key("critical-ratio", "failure ratio from which an alert is critical rather than warning", "0.25",
                (b, v) -> b.criticalRatio = Double.parseDouble(v.trim())));
        k.add(new Key("outage-ratio", "failure ratio counted as a total outage (every request failing)", "0.95",
                (b, v) -> b.outageRatio = Double.parseDouble(v.trim())));
        k.add(new Key("silence-min-requests", "average requests per window for a pair to count as steady traffic whose silence matters", "20",
                (b, v) -> b.silenceMinRequests = Double.parseDouble(v.trim())));
        k.add(new Key("silence-min-windows", "windows of history a pair needs before its silence can alert", "12",
                (b, v) -> b.silenceMinWindows = Integer.parseInt(v.trim())));
        k.add(new Key("silence-windows", "consecutive windows with no line from a steady pair while the stream moves on (30 s)", "3",
                (b, v) -> b.silenceWindows = Integer.parseInt(v.trim())));
        k.add(new Key("stale-windows", "windows without traffic after which a pair's state is dropped and its alerts resolve (5 min)", "30",
                (b, v) -> b.staleWindows = Integer.parseInt(v.trim())));
        k.add(new Key("slo-target", "success-rate objective per destination for the burn-rate detector", "0.999",
                (b, v) -> b.sloTarget = Double.parseDouble(v.trim())));
        k.add(new Key("burn-fast-long", "fast burn: long window (SRE workbook: 1 h)", "PT1H", (b, v) -> b.burnFastLong = Duration.parse(v.trim())));
        k.add(new Key("burn-fast-short", "fast burn: short window (5 min)", "PT5M", (b, v) -> b.burnFastShort = Duration.parse(v.trim())));
        k.add(new Key("burn-fast-factor", "fast burn rate: 14.4 spends 2% of a 30-day budget in 1 h (page)", "14.4",
                (b, v) -> b.burnFastFactor = Double.parseDouble(v.trim())));
        k.add(new Key("burn-slow-long", "slow burn: long window (6 h)", "PT6H", (b, v) -> b.burnSlowLong = Duration.parse(v.trim())));
        k.add(new Key("burn-slow-short", "slow burn: short window (30 min)", "PT30M", (b, v) -> b.burnSlowShort = Duration.parse(v.trim())));
        k.add(new Key("burn-slow-factor", "slow burn rate: 6 spends 5% of a 30-day budget in 6 h (ticket)", "6",
                (b, v) -> b.burnSlowFactor = Double.parseDouble(v.trim())));
        k.add(new Key("burn-min-requests", "requests the short window needs before a burn rate counts", "100",
                (b, v) -> b.burnMinRequests = Long.parseLong(v.trim())));
        k.add(new Key("burn-keep-firing", "a burn alert resolves, or drops from critical to warning, only once its condition has been off this long (event time); the fast burn's short window, so a burn that crosses its factor back and forth pages once", "PT5M",
                (b, v) -> b.burnKeepFiring = Duration.parse(v.trim())));
        k.add(new Key("settle-delay", "wall-clock wait for the other reporters and callers of a window before deciding on it (the spine's tasks emit a window's pairs independently)", "PT3S",
                (b, v) -> b.settleDelay = Duration.parse(v.trim())));
        k.add(new Key("exemplars-per-alert", "redacted example lines carried by an alert", "5",
                (b, v) -> b.exemplarsPerAlert = Integer.parseInt(v.trim())));
        k.add(new Key("redact", "query strings and credential-like values are removed from exemplars; only true is accepted", "true",
                (b, v) -> b.redact = requireRedaction(v)));
        k.add(new Key("egress-audit", "raise info alerts for external hosts reached without a cluster-local name", "true",
                (b, v) -> b.egressAudit = Boolean.parseBoolean(v.trim())));
        k.add(new Key("resolved-retention", "how long (event time) a resolved alert stays in the alerts-current store", "PT1H",
                (b, v) -> b.resolvedRetention = Duration.parse(v.trim())));
        KEYS = Collections.unmodifiableList(k);
    }

    public AlertSettings {
        if (minRequests < 1 || minFailures < 1) throw new IllegalArgumentException("min-requests and min-failures must be >= 1");
        if (minRatio <= 0 || minRatio > 1) throw new IllegalArgumentException("min-ratio in (0,1]");
        if (sloTarget <= 0 || sloTarget >= 1) throw new IllegalArgumentException("slo-target in (0,1)");
        if (resolveCleanWindows < 1 || accumulateWindows < 1) throw new IllegalArgumentException("window counts >= 1");
        if (burnFastShort.compareTo(burnFastLong) > 0 || burnSlowShort.compareTo(burnSlowLong) > 0) {
            throw new IllegalArgumentException("a burn-rate short window must not exceed its long window");
        }
        if (burnKeepFiring.isNegative()) throw new IllegalArgumentException("burn-keep-firing must not be negative");
    }

    public static AlertSettings defaults() {
        return from(Map.of());
    }

    /** Settings from {@code meshpulse.alerts.*} properties; missing keys take their defaults. */
    public static AlertSettings from(Map<String, String> properties) {
        Builder b = new Builder();
        for (Key k : KEYS) {
            String v = properties.getOrDefault(PREFIX + k.name(), k.defaultValue());
            try {
                k.apply().accept(b, v);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("bad value for " + PREFIX + k.name() + ": '" + v + "' (" + e.getMessage() + ")", e);
            }
        }
        return b.build();
    }

    /**
     * Settings from the environment over {@code base} properties. Per key the first of these wins:
     * {@code MESHPULSE_ALERTS_<KEY>} (e.g. {@code MESHPULSE_ALERTS_MIN_RATIO=0.1}), the manifests' name of the key
     * ({@link #CONTRACT_ENV}, e.g. {@code MESHPULSE_MESH_FLAVOR=upstream}), {@code base}, the default. Every value
     * found in the environment is checked, also one that a higher-ranked name overrides; a bad one is an
     * {@link IllegalArgumentException} naming the variable.
     */
    public static AlertSettings fromEnvironment(Map<String, String> env, Map<String, String> base) {
        return fromEnvironment(env, base, DEFAULT_WINDOW);
    }

    /** The window size the defaults of the settings counted in windows are written for. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);

    /**
     * The settings counted in windows are the keys named {@code …-windows}, with their defaults' meaning in time
     * (for 10 s windows); {@code silence-min-requests} is a count per window. With another window size their
     * defaults are scaled so that they mean the same time (with 30 s windows, 3 clean windows would take 90 s to
     * resolve an alert and a 60 s silence would never be one). A value set explicitly is taken as a count of
     * windows of the size in use.
     */
    private static boolean countedInWindows(Key k) {
        return k.name().endsWith("-windows");
    }

    private static final String PER_WINDOW = "silence-min-requests";

    /**
     * {@link #fromEnvironment(Map, Map)} for windows of {@code window}: the defaults of the settings counted in
     * windows ({@link #countedInWindows}) are scaled to mean the same time as with 10 s windows, and the requests per
     * window a steady pair needs ({@code silence-min-requests}) to mean the same rate; explicit values are kept.
     */
    public static AlertSettings fromEnvironment(Map<String, String> env, Map<String, String> base, Duration window) {
        Map<String, String> p = explicit(env, base);
        double scale = (double) DEFAULT_WINDOW.toMillis() / window.toMillis();
        for (Key k : KEYS) {
            if (p.containsKey(PREFIX + k.name())) continue;
            if (countedInWindows(k)) {
                long n = Math.max(1, Math.round(Integer.parseInt(k.defaultValue()) * scale));
                p.put(PREFIX + k.name(), Long.toString(n));
            } else if (PER_WINDOW.equals(k.name())) {
                p.put(PREFIX + k.name(), Double.toString(Double.parseDouble(k.defaultValue()) / scale));
            }
        }
        return from(p);
    }

    /** The values given in the environment and {@code base}, by property name, each checked. */
    private static Map<String, String> explicit(Map<String, String> env, Map<String, String> base) {
        Map<String, String> p = new LinkedHashMap<>(base);
        for (Key k : KEYS) {
            String contractName = CONTRACT_ENV.get(k.name());
            String contract = contractName == null ? null : env.get(contractName);
            if (contract != null && !contract.isBlank()) {
                check(k, contractName, contract);
                p.put(PREFIX + k.name(), contract);
            }
            String envName = envName(k.name());
            if (env.containsKey(envName)) {
                check(k, envName, env.get(envName));
                p.put(PREFIX + k.name(), env.get(envName));
            }
        }
        return p;
    }

    private static void check(Key k, String variable, String value) {
        try {
            k.apply().accept(new Builder(), value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad value for " + variable + ": '" + value + "' (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Redaction cannot be turned off: example lines are redacted where the topology first keeps them, and alerts
     * carry only those; query strings often hold tokens and signatures. {@code false} is refused, not ignored, so
     * nobody believes they will see query strings.
     */
    static boolean requireRedaction(String v) {
        String t = v == null ? "" : v.trim();
        if (t.equalsIgnoreCase("true")) return true;
        if (t.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("redaction cannot be turned off: meshpulse always removes query strings "
                    + "and credential-like values from the lines it keeps and prints; unset it or set it to true");
        }
        throw new IllegalArgumentException("expected true");
    }

    public static String envName(String key) {
        return "MESHPULSE_ALERTS_" + key.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
    }

    /** The root namespace the commands use. */
    public String rootNamespace() {
        if (istioNamespace != null) return istioNamespace;
        return flavour == Flavour.AKS ? "aks-istio-system" : "istio-system";
    }

    public String gatewayNamespace() {
        if (ingressNamespace != null) return ingressNamespace;
        return flavour == Flavour.AKS ? "aks-istio-ingress" : "istio-ingress";
    }

    public AlertSettings withFlavour(Flavour f) {
        Builder b = Builder.of(this);
        b.flavour = f;
        return b.build();
    }

    public AlertSettings withRevision(String r) {
        Builder b = Builder.of(this);
        b.revision = r;
        return b.build();
    }

    /** Mutable holder used while loading; {@link #build()} validates. */
    public static final class Builder {
        Flavour flavour;
        String revision;
        String istioNamespace;
        String ingressNamespace;
        int minRequests;
        int minFailures;
        double minRatio;
        double ratioFactor;
        double baselineFloor;
        double significance;
        int baselineHalfLifeWindows;
        int accumulateWindows;
        Duration accumulateMaxAge;
        int resolveCleanWindows;
        double criticalRatio;
        double outageRatio;
        double silenceMinRequests;
        int silenceMinWindows;
        int silenceWindows;
        int staleWindows;
        double sloTarget;
        Duration burnFastLong;
        Duration burnFastShort;
        double burnFastFactor;
        Duration burnSlowLong;
        Duration burnSlowShort;
        double burnSlowFactor;
        long burnMinRequests;
        Duration burnKeepFiring;
        Duration settleDelay;
        int exemplarsPerAlert;
        boolean redact;
        boolean egressAudit;
        Duration resolvedRetention;

        static Builder of(AlertSettings s) {
            Builder b = new Builder();
            b.flavour = s.flavour;
            b.revision = s.revision;
            b.istioNamespace = s.istioNamespace;
            b.ingressNamespace = s.ingressNamespace;
            b.minRequests = s.minRequests;
            b.minFailures = s.minFailures;
            b.minRatio = s.minRatio;
            b.ratioFactor = s.ratioFactor;
            b.baselineFloor = s.baselineFloor;
            b.significance = s.significance;
            b.baselineHalfLifeWindows = s.baselineHalfLifeWindows;
            b.accumulateWindows = s.accumulateWindows;
            b.accumulateMaxAge = s.accumulateMaxAge;
            b.resolveCleanWindows = s.resolveCleanWindows;
            b.criticalRatio = s.criticalRatio;
            b.outageRatio = s.outageRatio;
            b.silenceMinRequests = s.silenceMinRequests;
            b.silenceMinWindows = s.silenceMinWindows;
            b.silenceWindows = s.silenceWindows;
            b.staleWindows = s.staleWindows;
            b.sloTarget = s.sloTarget;
            b.burnFastLong = s.burnFastLong;
            b.burnFastShort = s.burnFastShort;
            b.burnFastFactor = s.burnFastFactor;
            b.burnSlowLong = s.burnSlowLong;
            b.burnSlowShort = s.burnSlowShort;
            b.burnSlowFactor = s.burnSlowFactor;
            b.burnMinRequests = s.burnMinRequests;
            b.burnKeepFiring = s.burnKeepFiring;
            b.settleDelay = s.settleDelay;
            b.exemplarsPerAlert = s.exemplarsPerAlert;
            b.redact = s.redact;
            b.egressAudit = s.egressAudit;
            b.resolvedRetention = s.resolvedRetention;
            return b;
        }

        public AlertSettings build() {
            return new AlertSettings(flavour, revision, istioNamespace, ingressNamespace, minRequests, minFailures,
                    minRatio, ratioFactor, baselineFloor, significance, baselineHalfLifeWindows, accumulateWindows,
                    accumulateMaxAge, resolveCleanWindows, criticalRatio, outageRatio, silenceMinRequests, silenceMinWindows,
                    silenceWindows, staleWindows, sloTarget, burnFastLong, burnFastShort, burnFastFactor,
                    burnSlowLong, burnSlowShort, burnSlowFactor, burnMinRequests, burnKeepFiring, settleDelay, exemplarsPerAlert,
                    redact, egressAudit, resolvedRetention);
        }
    }
}

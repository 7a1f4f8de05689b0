package io.meshpulse.alerts;

import java.util.Locale;

/** Which Istio the printed commands are for: the AKS add-on (Azure Service Mesh) or upstream Istio. */
public enum Flavour {
    /** Root namespace aks-istio-system, ingress in aks-istio-ingress, revision label istio.io/rev=asm-X-Y. */
    AKS,
    /** Root namespace istio-system, istio-injection=enabled (or istio.io/rev when a revision is configured). */
    UPSTREAM;

    /**
     * Reads a flavour as the settings and the deploy manifests spell it: {@code AKS} or {@code aks-addon} for the
     * add-on, {@code UPSTREAM} or {@code upstream} for upstream Istio (any case). Anything else is an error: a
     * misspelt flavour must not silently print commands for the wrong mesh.
     */
    public static Flavour parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (v) {
            case "aks", "aks-addon" -> AKS;
            case "upstream" -> UPSTREAM;
            default -> throw new IllegalArgumentException("unknown mesh flavour '" + (value == null ? "" : value.trim())
                    + "'; expected aks-addon (or AKS) or upstream (or UPSTREAM)");
        };
    }
}

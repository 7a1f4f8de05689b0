package io.meshpulse.alerts;

/** Which Istio the printed commands are for: the AKS add-on (Azure Service Mesh) or upstream Istio. */
public enum Flavour {
    /** Root namespace aks-istio-system, ingress in aks-istio-ingress, revision label istio.io/rev=asm-X-Y. */
    AKS,
    /** Root namespace istio-system, istio-injection=enabled (or istio.io/rev when a revision is configured). */
    UPSTREAM
}

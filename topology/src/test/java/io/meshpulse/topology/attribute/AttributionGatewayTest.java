package io.meshpulse.topology.attribute;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which workloads are taken for Istio gateways (their every line is reported by the gateway, as the source). */
class AttributionGatewayTest {
    @Test
    void theGatewaysOfTheUsualInstallsAreRecognised() {
        assertTrue(Attribution.isGateway("istio-ingressgateway"), "istioctl's default profile");
        assertTrue(Attribution.isGateway("istio-egressgateway"));
        assertTrue(Attribution.isGateway("aks-istio-ingressgateway-external"), "the AKS add-on");
        assertTrue(Attribution.isGateway("aks-istio-ingressgateway-internal"));
        assertTrue(Attribution.isGateway("aks-istio-egressgateway"));
        assertTrue(Attribution.isGateway("istio-ingress"), "helm install istio-ingress istio/gateway");
        assertTrue(Attribution.isGateway("istio-egress"));
        assertTrue(Attribution.isGateway("bookinfo-gateway-istio"), "a Gateway API gateway's deployment");
    }

    @Test
    void ingressGatewaysAreTheGatewaysThatAreNotEgress() {
        assertTrue(Attribution.isIngressGateway("aks-istio-ingressgateway-external-asm-1-24"));
        assertTrue(Attribution.isIngressGateway("istio-ingress"));
        assertTrue(Attribution.isIngressGateway("bookinfo-gateway-istio"));
        assertFalse(Attribution.isIngressGateway("aks-istio-egressgateway"));
        assertFalse(Attribution.isIngressGateway("istio-egress"));
        assertFalse(Attribution.isIngressGateway("frontend"));
        assertFalse(Attribution.isIngressGateway(null));
    }

    @Test
    void applicationsNamedLikeGatewaysAreNot() {
        assertFalse(Attribution.isGateway("api-gateway"), "an application with a sidecar, whatever its name");
        assertFalse(Attribution.isGateway("payment-gateway"));
        assertFalse(Attribution.isGateway("checkout-api"));
        assertFalse(Attribution.isGateway(null));
    }
}

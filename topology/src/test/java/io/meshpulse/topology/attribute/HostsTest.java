package io.meshpulse.topology.attribute;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HostsTest {
    @Test
    void servicesAreNamedTheWayKubernetesDnsResolvesThemFromThePodsNamespace() {
        assertEquals("payments.shop.svc.cluster.local", Hosts.canonicalService("payments", "shop"));
        assertEquals("payments.shop.svc.cluster.local", Hosts.canonicalService("payments.shop", "shop"),
                "name.namespace, the pod's own namespace, is the same Service as its FQDN");
        assertEquals("payments.shop.svc.cluster.local", Hosts.canonicalService("payments.shop.svc", "shop"));
        assertEquals("payments.shop.svc.cluster.local",
                Hosts.canonicalService("payments.shop.svc.cluster.local", "shop"));
    }

    @Test
    void hostsThatMayBeExternalStayAsTheyAre() {
        assertEquals("payments.billing", Hosts.canonicalService("payments.billing", "shop"),
                "another namespace, or an external domain of that name: nothing tells them apart");
        assertEquals("api.stripe.com", Hosts.canonicalService("api.stripe.com", "shop"));
        assertEquals("stripe.com", Hosts.canonicalService("stripe.com", "shop"));
        assertEquals("shop.com", Hosts.canonicalService("shop.com", "shop"), "the namespace must be the last label");
        assertEquals(".shop", Hosts.canonicalService(".shop", "shop"));
        assertEquals("10.0.0.7", Hosts.canonicalService("10.0.0.7", "shop"));
        assertEquals("fd00::7", Hosts.canonicalService("fd00::7", "shop"));
    }
}

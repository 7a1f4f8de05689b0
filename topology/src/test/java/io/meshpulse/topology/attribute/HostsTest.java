package io.meshpulse.topology.attribute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostsTest {
    @Test
    void anAddressIsAnIpLiteralAHostNameIsNot() {
        for (String ip : List.of("20.71.3.4", "10.0.0.1", "2001:db8::1", "::ffff:10.0.0.1", "fe80::1")) {
            assertTrue(Hosts.isIpLiteral(ip), ip);
        }
        for (String host : List.of("shop.contoso.com", "frontend", "frontend.shop.svc.cluster.local", "a1.b2.c3.d4",
                "1.2.3", "1234.1.1.1", "1.2.3.4.example.com", "1..2.3", "1.2.3.", "")) {
            assertFalse(Hosts.isIpLiteral(host), host);
        }
        assertFalse(Hosts.isIpLiteral(null));
    }

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

    @Test
    void portsOfAddressesAndInboundClusters() {
        assertEquals("8080", Hosts.port("10.244.2.31:8080"));
        assertEquals("8443", Hosts.port("[fd00::7]:8443"));
        assertNull(Hosts.port("[fd00::7]"));
        assertNull(Hosts.port("10.244.2.31"));
        assertNull(Hosts.port("envoy://connect_originate/10.0.0.1:80"));
        assertNull(Hosts.port(null));
        assertEquals("80", Hosts.portOfInboundCluster("inbound|80||"));
        assertEquals("8000", Hosts.portOfInboundCluster("inbound|8000|http|httpbin.foo.svc.cluster.local"));
        assertNull(Hosts.portOfInboundCluster("outbound|80||httpbin.foo.svc.cluster.local"));
        assertNull(Hosts.portOfInboundCluster("inbound-vip|80|http|httpbin.foo.svc.cluster.local"));
        assertNull(Hosts.portOfInboundCluster("inbound|||"));
    }
}

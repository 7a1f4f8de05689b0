package io.meshpulse.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The deploy manifests' environment names for the printed commands and for redaction, and their precedence. */
class AlertSettingsEnvTest {

    @Test
    void manifestNamesSetFlavourNamespaceAndRevision() {
        AlertSettings up = AlertSettings.fromEnvironment(Map.of("MESHPULSE_MESH_FLAVOR", "upstream"), Map.of());
        assertEquals(Flavour.UPSTREAM, up.flavour());
        assertEquals("istio-system", up.rootNamespace());
        assertEquals("istio-ingress", up.gatewayNamespace());

        AlertSettings aks = AlertSettings.fromEnvironment(Map.of("MESHPULSE_MESH_FLAVOR", "aks-addon",
                "MESHPULSE_ISTIO_NAMESPACE", "custom-istio", "MESHPULSE_ISTIO_REVISION", "asm-1-25"), Map.of());
        assertEquals(Flavour.AKS, aks.flavour());
        assertEquals("custom-istio", aks.rootNamespace());
        assertEquals("asm-1-25", aks.revision());
        assertEquals("aks-istio-ingress", aks.gatewayNamespace());
    }

    @Test
    void alertsNamesWinOverManifestNamesWhichWinOverProperties() {
        AlertSettings s = AlertSettings.fromEnvironment(Map.of("MESHPULSE_MESH_FLAVOR", "upstream",
                "MESHPULSE_ALERTS_FLAVOUR", "AKS", "MESHPULSE_ISTIO_REVISION", "asm-1-24"),
                Map.of("meshpulse.alerts.revision", "asm-1-23", "meshpulse.alerts.istio-namespace", "from-file"));
        assertEquals(Flavour.AKS, s.flavour());
        assertEquals("asm-1-24", s.revision());
        assertEquals("from-file", s.rootNamespace());

        AlertSettings fileOnly = AlertSettings.fromEnvironment(Map.of("MESHPULSE_MESH_FLAVOR", " "),
                Map.of("meshpulse.alerts.flavour", "upstream"));
        assertEquals(Flavour.UPSTREAM, fileOnly.flavour(), "a blank manifest value counts as absent");
    }

    @Test
    void anUnknownFlavourIsAnErrorNamingTheVariable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AlertSettings.fromEnvironment(Map.of("MESHPULSE_MESH_FLAVOR", "aks-adon"), Map.of()));
        assertTrue(e.getMessage().contains("MESHPULSE_MESH_FLAVOR") && e.getMessage().contains("aks-adon"), e.getMessage());
        assertTrue(e.getMessage().contains("aks-addon") && e.getMessage().contains("upstream"), e.getMessage());

        // checked even when a MESHPULSE_ALERTS_ name overrides it: a typo in a ConfigMap must not lie dormant
        IllegalArgumentException hidden = assertThrows(IllegalArgumentException.class,
                () -> AlertSettings.fromEnvironment(Map.of("MESHPULSE_MESH_FLAVOR", "openshift",
                        "MESHPULSE_ALERTS_FLAVOUR", "AKS"), Map.of()));
        assertTrue(hidden.getMessage().contains("MESHPULSE_MESH_FLAVOR"), hidden.getMessage());

        IllegalArgumentException alerts = assertThrows(IllegalArgumentException.class,
                () -> AlertSettings.fromEnvironment(Map.of("MESHPULSE_ALERTS_FLAVOUR", "istio"), Map.of()));
        assertTrue(alerts.getMessage().contains("MESHPULSE_ALERTS_FLAVOUR"), alerts.getMessage());
    }

    @Test
    void flavourSpellings() {
        assertEquals(Flavour.AKS, Flavour.parse("AKS"));
        assertEquals(Flavour.AKS, Flavour.parse(" Aks-Addon "));
        assertEquals(Flavour.AKS, Flavour.parse("aks_addon"));
        assertEquals(Flavour.UPSTREAM, Flavour.parse("UPSTREAM"));
        assertThrows(IllegalArgumentException.class, () -> Flavour.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Flavour.parse("istio"));
    }

    @Test
    void redactionStaysOnAndFalseIsRefused() {
        assertTrue(AlertSettings.fromEnvironment(Map.of("MESHPULSE_REDACT_QUERY_STRINGS", "TRUE"), Map.of()).redact());
        assertTrue(AlertSettings.defaults().redact());
        assertNull(AlertSettings.defaults().revision());

        IllegalArgumentException off = assertThrows(IllegalArgumentException.class,
                () -> AlertSettings.fromEnvironment(Map.of("MESHPULSE_REDACT_QUERY_STRINGS", "false"), Map.of()));
        assertTrue(off.getMessage().contains("MESHPULSE_REDACT_QUERY_STRINGS")
                && off.getMessage().contains("cannot be turned off"), off.getMessage());
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
                () -> AlertSettings.fromEnvironment(Map.of("MESHPULSE_REDACT_QUERY_STRINGS", "ture"), Map.of()));
        assertTrue(typo.getMessage().contains("'ture'"), typo.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> AlertSettings.fromEnvironment(Map.of("MESHPULSE_ALERTS_REDACT", "false"), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> AlertSettings.from(Map.of("meshpulse.alerts.redact", "false")));
    }

    /** How long a burn alert keeps firing once its condition is off: event time, five minutes unless set. */
    @Test
    void burnKeepFiringIsADuration() {
        assertEquals(java.time.Duration.ofMinutes(5), AlertSettings.defaults().burnKeepFiring());
        assertEquals(java.time.Duration.ZERO, AlertSettings.fromEnvironment(
                Map.of("MESHPULSE_ALERTS_BURN_KEEP_FIRING", "PT0S"), Map.of()).burnKeepFiring());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> AlertSettings.from(Map.of("meshpulse.alerts.burn-keep-firing", "-PT1M")));
        assertTrue(negative.getMessage().contains("burn-keep-firing"), negative.getMessage());
    }
}

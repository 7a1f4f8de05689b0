package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.Flavour;
import io.meshpulse.app.kafka.KafkaClientConfig;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.ingest.kafka.RawLineProducer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The environment contract of the deploy manifests (deploy/README.md, "Contract with the app"), checked on the
 * commands as picocli builds them, with the environment injected as a map; no broker is started.
 */
class EnvContractTest {
    @TempDir
    Path dir;

    /** A command of the real command tree, its Kafka options, and the arguments it needs besides them. */
    record Case(List<String> path, List<String> required, Function<Object, KafkaClientOptions> kafka) {}

    static final List<Case> KAFKA_COMMANDS = List.of(
            new Case(List.of("run"), List.of(), c -> ((RunCommand) c).kafka),
            new Case(List.of("ingest", "tail"), List.of(), c -> ((IngestTailCommand) c).kafka),
            new Case(List.of("ingest", "stdin"), List.of("--namespace", "shop", "--pod", "cart-1"),
                    c -> ((IngestStdinCommand) c).kafka),
            new Case(List.of("ingest", "prometheus"), List.of("--url", "http://127.0.0.1:9090"),
                    c -> ((IngestPrometheusCommand) c).poll.kafka),
            new Case(List.of("ingest", "log-analytics"), List.of("--workspace-id", "0000"),
                    c -> ((IngestLogAnalyticsCommand) c).poll.kafka),
            new Case(List.of("replay"), List.of("--input", "logs", "--out", "out"), c -> ((ReplayCommand) c).kafka));

    static CommandLine sub(CommandLine root, List<String> path) {
        CommandLine c = root;
        for (String name : path) c = c.getSubcommands().get(name);
        return c;
    }

    Path clientProperties() throws Exception {
        Path f = dir.resolve("client.properties");
        Files.writeString(f, """
                security.protocol=SASL_SSL
                sasl.mechanism=SCRAM-SHA-512
                sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="mp" password="s3cret-value";
                linger.ms=77
                client.id=envcontract-test
                """);
        return f;
    }

    @Test
    void everyKafkaCommandMergesTheClientConfigFromTheFlagOrTheEnvironment() throws Exception {
        Path file = clientProperties();
        Path other = dir.resolve("absent.properties");
        for (Case c : KAFKA_COMMANDS) {
            // flag
            CommandLine root = Meshpulse.commandLine();
            CommandLine cmd = sub(root, c.path());
            KafkaClientOptions k = c.kafka().apply(cmd.getCommand());
            k.env = Map.of();
            List<String> args = new java.util.ArrayList<>(c.path());
            args.addAll(c.required());
            args.addAll(List.of("--kafka-config", file.toString()));
            root.parseArgs(args.toArray(String[]::new));
            assertEquals(file, k.file(), c.path().toString());
            assertEquals("77", k.overrides().get("linger.ms"), c.path().toString());
            assertEquals("SASL_SSL", k.overrides().get("security.protocol"), c.path().toString());

            // environment only
            root = Meshpulse.commandLine();
            cmd = sub(root, c.path());
            k = c.kafka().apply(cmd.getCommand());
            k.env = Map.of(KafkaClientConfig.ENV, file.toString());
            List<String> noFlag = new java.util.ArrayList<>(c.path());
            noFlag.addAll(c.required());
            root.parseArgs(noFlag.toArray(String[]::new));
            assertEquals("envcontract-test", k.overrides().get("client.id"), c.path() + " from " + KafkaClientConfig.ENV);

            // the flag wins over the environment
            root = Meshpulse.commandLine();
            cmd = sub(root, c.path());
            k = c.kafka().apply(cmd.getCommand());
            k.env = Map.of(KafkaClientConfig.ENV, other.toString());
            root.parseArgs(args.toArray(String[]::new));
            assertEquals(file, k.file(), c.path() + ": flag over environment");

            // neither: nothing merged
            root = Meshpulse.commandLine();
            cmd = sub(root, c.path());
            k = c.kafka().apply(cmd.getCommand());
            k.env = Map.of(KafkaClientConfig.ENV, "  ");
            root.parseArgs(noFlag.toArray(String[]::new));
            assertTrue(k.overrides().isEmpty(), c.path().toString());
        }
    }

    @Test
    void theFilesSettingsReachTheClientConfigsAndARealProducer() throws Exception {
        Map<String, Object> overrides = KafkaClientConfig.load(clientProperties());
        Properties producer = RawLineProducer.config("127.0.0.1:1", overrides);
        assertEquals("77", producer.get("linger.ms"), "the file's value wins over meshpulse's 10 ms");
        assertEquals("all", producer.get("acks"), "meshpulse's own settings stay");
        assertEquals("SCRAM-SHA-512", TopicAdmin.config("127.0.0.1:1", overrides).get("sasl.mechanism"));

        // a real KafkaProducer (it connects lazily, so no broker is needed) registers under the file's client.id
        Map<String, Object> plain = Map.of("client.id", "envcontract-" + ProcessHandle.current().pid(),
                "security.protocol", "PLAINTEXT");
        ObjectName appInfo = new ObjectName("kafka.producer:type=app-info,id=" + plain.get("client.id"));
        try (RawLineProducer p = new RawLineProducer("127.0.0.1:1", "t", plain)) {
            assertTrue(ManagementFactory.getPlatformMBeanServer().isRegistered(appInfo));
        }
    }

    @Test
    void aBadClientConfigStopsTheCommandWithoutShowingValues() throws Exception {
        Path f = dir.resolve("owned.properties");
        Files.writeString(f, "sasl.jaas.config=x required password=\"s3cret-value\";\ntransactional.id=mine\ngroup.id=g\n");
        StringWriter err = new StringWriter();
        CommandLine root = Meshpulse.commandLine();
        root.setErr(new PrintWriter(err, true));
        int rc = root.execute("ingest", "stdin", "--namespace", "shop", "--pod", "cart-1",
                "--bootstrap-servers", "127.0.0.1:1", "--kafka-config", f.toString());
        assertEquals(2, rc, err.toString());
        assertTrue(err.toString().contains("transactional.id") && err.toString().contains("group.id"), err.toString());
        assertFalse(err.toString().contains("s3cret-value") || err.toString().contains("mine"), err.toString());

        StringWriter err2 = new StringWriter();
        root = Meshpulse.commandLine();
        root.setErr(new PrintWriter(err2, true));
        rc = root.execute("ingest", "tail", "--bootstrap-servers", "127.0.0.1:1",
                "--kafka-config", dir.resolve("nope.properties").toString());
        assertEquals(2, rc);
        assertTrue(err2.toString().contains("does not exist"), err2.toString());
    }

    /**
     * Through the real commands, no broker: a value only Kafka's admin client checks (when it is created, before
     * it connects) makes each command fail naming that key, so the file reached the client the command built.
     */
    /** One container's kubelet log file with one line: enough for replay to get as far as its Kafka clients. */
    private Path replayInput() throws Exception {
        Path f = dir.resolve("pods/shop_cart-1_0000/istio-proxy/0.log");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "2026-11-20T10:00:00.000000000Z stdout F not an access log\n");
        return dir.resolve("pods");
    }

    @Test
    void theCommandsHandTheFileToTheKafkaClientsTheyCreate() throws Exception {
        Path f = dir.resolve("bad-timeout.properties");
        Files.writeString(f, "default.api.timeout.ms=not-a-number\n");
        List<List<String>> commands = List.of(
                List.of("ingest", "tail", "--path", dir.resolve("none/*.log").toString()),
                List.of("ingest", "stdin", "--namespace", "shop", "--pod", "cart-1"),
                List.of("ingest", "prometheus", "--url", "http://127.0.0.1:1", "--once"),
                List.of("replay", "--input", replayInput().toString(), "--out", dir.resolve("replay-out").toString()));
        for (List<String> command : commands) {
            StringWriter err = new StringWriter();
            CommandLine root = Meshpulse.commandLine();
            root.setErr(new PrintWriter(err, true));
            List<String> args = new java.util.ArrayList<>(command);
            args.addAll(List.of("--bootstrap-servers", "127.0.0.1:1", "--kafka-config", f.toString()));
            int rc = root.execute(args.toArray(String[]::new));
            assertTrue(rc != 0, command + " failed");
            assertTrue(err.toString().contains("default.api.timeout.ms"), command + ": " + err);
        }
    }

    /** Run's Alertmanager replicas: one URL as before, or several (flag repeated, commas, or the variable). */
    @Test
    void alertmanagerUrlsComeFromTheFlagsOrTheEnvironment() {
        Function<String[], List<URI>> parse = args -> {
            RunCommand c = new RunCommand();
            new CommandLine(c).parseArgs(args);
            return RunCommand.alertmanagerUrls(c.alertmanagerUrls,
                    Map.of(RunCommand.ALERTMANAGER_URL_ENV, "http://from-env:9093"));
        };
        URI one = URI.create("http://alertmanager-operated.monitoring.svc:9093");
        assertEquals(List.of(one), RunCommand.alertmanagerUrls(null, Map.of(RunCommand.ALERTMANAGER_URL_ENV, one.toString())),
                "the single-URL variable as before");
        assertEquals(List.of(one), parse.apply(new String[] {"--alertmanager-url", one.toString()}), "the flag wins");
        assertEquals(List.of(URI.create("http://from-env:9093")), parse.apply(new String[0]));
        List<URI> three = List.of(URI.create("http://am-0.am:9093"), URI.create("http://am-1.am:9093"),
                URI.create("https://am-2.am:9093/prefix"));
        assertEquals(three, parse.apply(new String[] {"--alertmanager-url", "http://am-0.am:9093,http://am-1.am:9093",
                "--alertmanager-url", "https://am-2.am:9093/prefix"}), "repeated and comma-separated");
        assertEquals(three, RunCommand.alertmanagerUrls(List.of(), Map.of(RunCommand.ALERTMANAGER_URL_ENV,
                " http://am-0.am:9093, http://am-1.am:9093 ,https://am-2.am:9093/prefix,")), "the variable, with blanks");
        assertEquals(List.of(one), RunCommand.alertmanagerUrls(List.of(one.toString(), one.toString()), Map.of()),
                "a URL given twice is one replica");
        assertEquals(List.of(), RunCommand.alertmanagerUrls(null, Map.of(RunCommand.ALERTMANAGER_URL_ENV, "")),
                "empty (the manifests' base) means no Alertmanager sink");
        assertEquals(List.of(), RunCommand.alertmanagerUrls(null, Map.of()));
        String msg = assertThrows(SettingsError.class, () -> RunCommand.alertmanagerUrls(null,
                Map.of(RunCommand.ALERTMANAGER_URL_ENV, "http://am-0.am:9093,alertmanager:9093"))).getMessage();
        assertTrue(msg.contains(RunCommand.ALERTMANAGER_URL_ENV) && msg.contains("http://"), msg);
        assertThrows(SettingsError.class, () -> RunCommand.alertmanagerUrls(List.of("$(MESHPULSE_ALERTMANAGER_URL)"), Map.of()));
    }

    /** Each replica's delivery outcomes are on /metrics, labelled with its host:port. */
    @Test
    void alertmanagerReplicasHaveMetricsOfTheirOwn() {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (io.meshpulse.alerts.sink.AlertmanagerSink sink = new io.meshpulse.alerts.sink.AlertmanagerSink(
                List.of(URI.create("http://am-0.am:9093"), URI.create("http://am-1.am:9093/")),
                java.time.Duration.ofMinutes(1), java.time.Duration.ofSeconds(1), java.time.Duration.ofMinutes(1))) {
            RunCommand.bindAlertmanagerMetrics(sink, registry);
            for (String replica : List.of("am-0.am:9093", "am-1.am:9093")) {
                for (String outcome : List.of("sent", "failed", "refused")) {
                    assertEquals(0, registry.get("meshpulse.alertmanager.posts").tag("replica", replica)
                            .tag("outcome", outcome).functionCounter().count(), 0.0, replica + " " + outcome);
                }
                assertEquals(0, registry.get("meshpulse.alertmanager.pending.alerts").tag("replica", replica).gauge().value(), 0.0);
            }
        }
    }

    @Test
    void prometheusUrlDefaultsToTheEnvironmentAndIsChecked() {
        IngestPrometheusCommand c = new IngestPrometheusCommand();
        c.env = Map.of(IngestPrometheusCommand.URL_ENV, "https://ws.westeurope.prometheus.monitor.azure.com ");
        new CommandLine(c).parseArgs("--azure");
        assertEquals(URI.create("https://ws.westeurope.prometheus.monitor.azure.com"), c.url());

        IngestPrometheusCommand flag = new IngestPrometheusCommand();
        flag.env = Map.of(IngestPrometheusCommand.URL_ENV, "https://from-env:9090");
        new CommandLine(flag).parseArgs("--url", "http://from-flag:9090");
        assertEquals(URI.create("http://from-flag:9090"), flag.url());

        IngestPrometheusCommand none = new IngestPrometheusCommand();
        none.env = Map.of();
        new CommandLine(none).parseArgs();
        assertTrue(assertThrows(SettingsError.class, none::url).getMessage().contains("MESHPULSE_PROMETHEUS_URL"));

        IngestPrometheusCommand notHttp = new IngestPrometheusCommand();
        notHttp.env = Map.of(IngestPrometheusCommand.URL_ENV, "ftp://user:pw@host/x?token=abc");
        new CommandLine(notHttp).parseArgs();
        String msg = assertThrows(SettingsError.class, notHttp::url).getMessage();
        assertTrue(msg.contains("http") && !msg.contains("pw") && !msg.contains("abc"), msg);

        // the manifest passes --url $(MESHPULSE_PROMETHEUS_URL); without the variable Kubernetes leaves it as is
        StringWriter err = new StringWriter();
        CommandLine root = Meshpulse.commandLine();
        root.setErr(new PrintWriter(err, true));
        int rc = root.execute("ingest", "prometheus", "--url", "$(MESHPULSE_PROMETHEUS_URL)",
                "--bootstrap-servers", "127.0.0.1:1", "--once");
        assertEquals(2, rc, err.toString());
        assertTrue(err.toString().contains("not expanded"), err.toString());
    }

    @Test
    void runTakesTheMeshFlavourFromTheManifestsNames() {
        AlertSettings s = RunCommand.alertSettings(Map.of("MESHPULSE_MESH_FLAVOR", "upstream",
                "MESHPULSE_ISTIO_NAMESPACE", "istio-system", "MESHPULSE_REDACT_QUERY_STRINGS", "true"));
        assertEquals(Flavour.UPSTREAM, s.flavour());
        assertEquals("istio-system", s.rootNamespace());
        assertNull(s.revision());

        // "aks" is accepted too (the MESHPULSE_ALERTS_FLAVOUR spelling); a typo is not
        assertEquals(Flavour.AKS, RunCommand.alertSettings(Map.of("MESHPULSE_MESH_FLAVOR", "aks")).flavour());
        SettingsError typo = assertThrows(SettingsError.class,
                () -> RunCommand.alertSettings(Map.of("MESHPULSE_MESH_FLAVOR", "azure")));
        assertTrue(typo.getMessage().contains("MESHPULSE_MESH_FLAVOR"), typo.getMessage());
        SettingsError redact = assertThrows(SettingsError.class,
                () -> RunCommand.alertSettings(Map.of("MESHPULSE_REDACT_QUERY_STRINGS", "false")));
        assertTrue(redact.getMessage().contains("MESHPULSE_REDACT_QUERY_STRINGS"), redact.getMessage());
    }

    @Test
    void replayPrecedenceFlagThenAlertsNamesThenManifestNamesThenFile() throws Exception {
        Path file = dir.resolve("alerts.properties");
        Files.writeString(file, "meshpulse.alerts.flavour=UPSTREAM\nmeshpulse.alerts.revision=asm-1-22\n");
        Map<String, String> env = Map.of("MESHPULSE_MESH_FLAVOR", "aks-addon", "MESHPULSE_ISTIO_REVISION", "asm-1-24");

        AlertSettings fromManifestNames = ReplayCommand.alertSettings(file, null, null, env);
        assertEquals(Flavour.AKS, fromManifestNames.flavour());
        assertEquals("asm-1-24", fromManifestNames.revision());

        AlertSettings fromFile = ReplayCommand.alertSettings(file, null, null, Map.of());
        assertEquals(Flavour.UPSTREAM, fromFile.flavour());
        assertEquals("asm-1-22", fromFile.revision());

        Map<String, String> both = Map.of("MESHPULSE_MESH_FLAVOR", "aks-addon", "MESHPULSE_ALERTS_FLAVOUR", "upstream");
        assertEquals(Flavour.UPSTREAM, ReplayCommand.alertSettings(null, null, null, both).flavour());

        AlertSettings flags = ReplayCommand.alertSettings(file, "aks-addon", "asm-1-25", both);
        assertEquals(Flavour.AKS, flags.flavour());
        assertEquals("asm-1-25", flags.revision());

        SettingsError e = assertThrows(SettingsError.class, () -> ReplayCommand.alertSettings(null, "istio", null, Map.of()));
        assertTrue(e.getMessage().startsWith("--flavour"), e.getMessage());
    }
}

package io.meshpulse.app.cli;

import com.azure.identity.DefaultAzureCredentialBuilder;
import io.meshpulse.ingest.prometheus.AzureTokens;
import io.meshpulse.ingest.prometheus.PrometheusPoller;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "prometheus", mixinStandardHelpOptions = true,
        description = "Poll Istio's request metrics (PromQL query_range) from Prometheus or an Azure Monitor workspace into meshpulse.metrics.samples.")
final class IngestPrometheusCommand implements Callable<Integer> {
    /** The environment variable {@code --url} defaults to (the deploy manifests set it). */
    static final String URL_ENV = "MESHPULSE_PROMETHEUS_URL";

    @Option(names = "--url", paramLabel = "URL",
            description = "Query API base URL: http://prometheus:9090, or the Azure Monitor workspace's query endpoint "
                    + "(default $" + URL_ENV + "; one of the two is required).")
    String url;

    /** The environment {@code --url} defaults from; tests replace it. */
    Map<String, String> env = System.getenv();

    @Option(names = "--azure", description = "Authenticate with an Entra ID token (DefaultAzureCredential, scope "
            + AzureTokens.PROMETHEUS_SCOPE + ").")
    boolean azure;

    @Option(names = "--step", defaultValue = "10s", converter = DurationConverter.class,
            description = "Query step = span of each sample; at least twice the scrape interval (default ${DEFAULT-VALUE}).")
    Duration step;

    @Option(names = "--lookback", defaultValue = "5m", converter = DurationConverter.class,
            description = "Where the first poll starts (default ${DEFAULT-VALUE}); later polls continue from the checkpoint.")
    Duration lookback;

    @Option(names = "--delay", defaultValue = "1m", converter = DurationConverter.class,
            description = "How far behind now polls stay, so that the last scrapes have landed (default ${DEFAULT-VALUE}).")
    Duration delay;

    @Option(names = "--max-range", defaultValue = "1h", converter = DurationConverter.class,
            description = "The most one poll asks for when catching up (default ${DEFAULT-VALUE}).")
    Duration maxRange;

    @Option(names = "--selector", defaultValue = "", paramLabel = "MATCHERS",
            description = "Extra label matchers for both metrics, e.g. cluster=\"aks-prod\".")
    String selector;

    @Mixin
    PollOptions poll = new PollOptions();

    @Override
    public Integer call() throws Exception {
        PrometheusPoller.Options o = new PrometheusPoller.Options(url(), step, lookback, delay, maxRange, selector,
                poll.topics().metricsSamples());
        Supplier<String> bearer = azure
                ? new AzureTokens(new DefaultAzureCredentialBuilder().build(), AzureTokens.PROMETHEUS_SCOPE, Clock.systemUTC())
                : null;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return poll.run(sink -> new PrometheusPoller(o, http, bearer, Clock.systemUTC(), sink),
                PrometheusPoller.checkpointKey(o), PollOptions.registry());
    }

    /**
     * {@code --url}, else {@value #URL_ENV}: an absolute http(s) URL with a host, or a {@link SettingsError}. The
     * value is not echoed (it may carry user info or a query), except a Kubernetes {@code $(VAR)} reference left
     * unexpanded because the variable is missing from the pod's environment.
     */
    URI url() {
        boolean fromFlag = url != null && !url.isBlank();
        String source = fromFlag ? "--url" : URL_ENV;
        String v = fromFlag ? url.trim() : env.getOrDefault(URL_ENV, "").trim();
        if (v.isEmpty()) throw new SettingsError("--url (or " + URL_ENV + ") is required");
        if (v.contains("$(")) {
            throw new SettingsError(source + " is '" + v + "', a Kubernetes variable reference that was not expanded: "
                    + "set " + URL_ENV + " in the pod's environment (ConfigMap meshpulse-config)");
        }
        URI u;
        try {
            u = new URI(v);
        } catch (URISyntaxException e) {
            throw new SettingsError(source + " is not a URL (" + e.getReason() + ")");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
            throw new SettingsError(source + " must be an http:// or https:// URL with a host");
        }
        return u;
    }
}

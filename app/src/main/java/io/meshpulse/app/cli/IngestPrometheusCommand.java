package io.meshpulse.app.cli;

import com.azure.identity.DefaultAzureCredentialBuilder;
import io.meshpulse.ingest.prometheus.AzureTokens;
import io.meshpulse.ingest.prometheus.PrometheusPoller;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "prometheus", mixinStandardHelpOptions = true,
        description = "Poll Istio's request metrics (PromQL query_range) from Prometheus or an Azure Monitor workspace into meshpulse.metrics.samples.")
final class IngestPrometheusCommand implements Callable<Integer> {
    @Option(names = "--url", required = true, paramLabel = "URL",
            description = "Query API base URL: http://prometheus:9090, or the Azure Monitor workspace's query endpoint.")
    URI url;

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
        PrometheusPoller.Options o = new PrometheusPoller.Options(url, step, lookback, delay, maxRange, selector,
                poll.topics().metricsSamples());
        Supplier<String> bearer = azure
                ? new AzureTokens(new DefaultAzureCredentialBuilder().build(), AzureTokens.PROMETHEUS_SCOPE, Clock.systemUTC())
                : null;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return poll.run(sink -> new PrometheusPoller(o, http, bearer, Clock.systemUTC(), sink),
                PrometheusPoller.checkpointKey(o), PollOptions.registry());
    }
}

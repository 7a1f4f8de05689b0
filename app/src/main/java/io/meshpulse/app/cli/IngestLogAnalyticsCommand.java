package io.meshpulse.app.cli;

import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.monitor.query.LogsQueryClient;
import com.azure.monitor.query.LogsQueryClientBuilder;
import io.meshpulse.ingest.loganalytics.LogAnalyticsPoller;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "log-analytics", mixinStandardHelpOptions = true,
        description = "Poll Container Insights' ContainerLogV2 table (istio-proxy lines) from a Log Analytics workspace into meshpulse.accesslog.raw.")
final class IngestLogAnalyticsCommand implements Callable<Integer> {
    @Option(names = "--workspace-id", required = true, paramLabel = "GUID", description = "The Log Analytics workspace ID.")
    String workspaceId;

    @Option(names = "--container", defaultValue = "istio-proxy", split = ",",
            description = "Container names to read (default ${DEFAULT-VALUE}).")
    List<String> containers;

    @Option(names = "--overlap", defaultValue = "3m", converter = DurationConverter.class,
            description = "How far back each poll re-reads, for rows ingested late (default ${DEFAULT-VALUE}; Log Analytics' delay is 20 s to 3 min).")
    Duration overlap;

    @Option(names = "--lookback", defaultValue = "5m", converter = DurationConverter.class,
            description = "Where the first poll starts (default ${DEFAULT-VALUE}).")
    Duration lookback;

    @Option(names = "--max-span", defaultValue = "15m", converter = DurationConverter.class,
            description = "The longest range one poll asks for when catching up (default ${DEFAULT-VALUE}).")
    Duration maxSpan;

    @Option(names = "--max-rows", defaultValue = "100000", description = "The most rows one poll takes (default ${DEFAULT-VALUE}).")
    int maxRows;

    @Option(names = "--max-dedup-rows", defaultValue = "30000",
            description = "The most row hashes kept for de-duplication; bounds the checkpoint below Kafka's 1 MB (default ${DEFAULT-VALUE}).")
    int maxSeen;

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "Query API endpoint (default the SDK's, https://api.loganalytics.io/v1; sovereign clouds differ).")
    String endpoint;

    @Option(names = "--heartbeats", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "End each poll with a heartbeat on every raw partition, so that the topology holds windows "
                    + "open until rows as old as the overlap can no longer come (default on; --no-heartbeats closes "
                    + "windows sooner and dead-letters rows that arrive later than the grace as late).")
    boolean heartbeats;

    @Mixin
    PollOptions poll = new PollOptions();

    @Override
    public Integer call() throws Exception {
        LogAnalyticsPoller.Options o = new LogAnalyticsPoller.Options(workspaceId, containers, overlap, lookback,
                maxSpan, maxRows, maxSeen, poll.topics().rawAccessLog(), heartbeats);
        LogsQueryClientBuilder b = new LogsQueryClientBuilder()
                .credential(new DefaultAzureCredentialBuilder().build())
                // the poll loop backs off (Retry-After, then exponential) and counts; the SDK's own retries would hide it
                .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ZERO)));
        if (endpoint != null) b.endpoint(endpoint);
        LogsQueryClient client = b.buildClient();
        String warning = intervalWarning(poll.interval, heartbeats && !poll.once);
        if (warning != null) System.err.println(warning);
        return poll.run(sink -> new LogAnalyticsPoller(o, client, Clock.systemUTC(), sink::partitions),
                LogAnalyticsPoller.checkpointKey(o), PollOptions.registry());
    }

    /**
     * A warning when polls are so far apart that the parsing tasks may stop waiting for this poller between two of
     * them: a silent ingest instance is held for only {@code run --heartbeat-expiry} (90 s by default) of time in which
     * others are heard, and a poll's own query time comes on top of the interval. Null when there is nothing to say.
     */
    static String intervalWarning(Duration interval, boolean heartbeats) {
        Duration expiry = io.meshpulse.topology.Settings.DEFAULT_HEARTBEAT_EXPIRY;
        if (!heartbeats || interval.multipliedBy(2).compareTo(expiry) <= 0) return null;
        return String.format("warning: --interval %d s is more than half of run's default --heartbeat-expiry (%d s): "
                        + "between two polls the topology may stop holding windows open for this poller, and rows "
                        + "that then come later than the grace are dead-lettered as late. Poll more often, or give "
                        + "`run` a --heartbeat-expiry above twice the interval.",
                interval.toSeconds(), expiry.toSeconds());
    }
}

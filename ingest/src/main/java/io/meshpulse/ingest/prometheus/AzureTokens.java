package io.meshpulse.ingest.prometheus;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import io.meshpulse.ingest.poll.PollException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Entra ID access tokens for one scope from a {@link TokenCredential} (DefaultAzureCredential in production:
 * workload identity on AKS, {@code az login} on a laptop), cached until five minutes before they expire.
 * The token itself is never logged.
 */
public final class AzureTokens implements Supplier<String> {
    /** The scope of an Azure Monitor workspace's Prometheus query endpoint. */
    public static final String PROMETHEUS_SCOPE = "https://prometheus.monitor.azure.com/.default";
    private static final Duration REFRESH_BEFORE = Duration.ofMinutes(5);

    private final TokenCredential credential;
    private final String scope;
    private final Clock clock;
    private AccessToken token;

    public AzureTokens(TokenCredential credential, String scope, Clock clock) {
        this.credential = credential;
        this.scope = scope;
        this.clock = clock;
    }

    @Override
    public synchronized String get() {
        if (token == null || token.getExpiresAt().toInstant().minus(REFRESH_BEFORE).isBefore(clock.instant())) {
            try {
                token = credential.getTokenSync(new TokenRequestContext().addScopes(scope));
            } catch (RuntimeException e) {
                throw new PollException(PollException.Kind.AUTH, "cannot get an Entra ID token for " + scope + ": "
                        + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()), null, e);
            }
            if (token == null) throw new PollException(PollException.Kind.AUTH, "no token for " + scope, null, null);
        }
        return token.getToken();
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

package io.meshpulse.app.ingest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a metric of an ingest command started as a child JVM with {@code --http-port 0}, from its /metrics. */
final class ChildMetrics {
    private static final Pattern URL = Pattern.compile("/metrics on (http://\\S+/)");

    private ChildMetrics() {}

    /**
     * The value of {@code name} with {@code source="<source>"} from the /metrics whose address the child printed
     * into {@code log}; 0 until it serves (or while the metric is not there yet).
     */
    static double value(Path log, String name, String source) throws IOException, InterruptedException {
        Matcher url = URL.matcher(Files.readString(log));
        if (!url.find()) return 0;
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url.group(1)
                + "metrics")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*source=\"" + Pattern.quote(source)
                + "\"[^}]*} (\\S+)$").matcher(r.body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}

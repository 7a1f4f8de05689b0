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

/** What an ingest command started as a child JVM (its output in a file) says: its log, and its /metrics. */
final class ChildOutput {
    private static final Pattern URL = Pattern.compile("/metrics on (http://\\S+/)");

    private ChildOutput() {}

    /**
     * The value of {@code name} with {@code source="<source>"} from the /metrics whose address the child printed
     * into {@code log} (started with {@code --http-port 0}); 0 until it serves, or while the metric is not there yet.
     */
    static double metric(Path log, String name, String source) throws IOException, InterruptedException {
        Matcher url = URL.matcher(Files.readString(log));
        if (!url.find()) return 0;
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url.group(1)
                + "metrics")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*source=\"" + Pattern.quote(source)
                + "\"[^}]*} (\\S+)$").matcher(r.body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** The last {@code n} lines of the child's output, for a failure's message. */
    static String lastLines(Path log, int n) {
        try {
            java.util.List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}

package io.meshpulse.ingest.loganalytics;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeader;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.util.BinaryData;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An azure-core {@link HttpClient} that carries the SDK's requests to a local plain-HTTP server: the SDK (with its
 * bearer-token policy) insists on https, so the endpoint is {@code https://127.0.0.1:PORT/v1} and this client sends
 * the same request to {@code http://127.0.0.1:PORT/v1}. Nothing leaves the machine.
 */
final class LocalHttpClient implements HttpClient {
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "host", "expect", "upgrade");
    private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();

    @Override
    public Mono<HttpResponse> send(HttpRequest request) {
        return Mono.fromCallable(() -> exchange(request));
    }

    private HttpResponse exchange(HttpRequest request) throws IOException, InterruptedException, java.net.URISyntaxException {
        URI u = request.getUrl().toURI().normalize();
        URI local = URI.create("http://" + u.getHost() + ":" + u.getPort() + u.getRawPath()
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
        BinaryData body = request.getBodyAsBinaryData();
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(local)
                .method(request.getHttpMethod().name(), body == null ? BodyPublishers.noBody()
                        : BodyPublishers.ofByteArray(body.toBytes()));
        for (HttpHeader h : request.getHeaders()) {
            if (!RESTRICTED.contains(h.getName().toLowerCase(java.util.Locale.ROOT))) b.header(h.getName(), h.getValue());
        }
        java.net.http.HttpResponse<byte[]> r = http.send(b.build(), BodyHandlers.ofByteArray());
        HttpHeaders headers = new HttpHeaders();
        for (Map.Entry<String, List<String>> e : r.headers().map().entrySet()) {
            for (String v : e.getValue()) headers.add(HttpHeaderName.fromString(e.getKey()), v);
        }
        return new Response(request, r.statusCode(), headers, r.body());
    }

    private static final class Response extends HttpResponse {
        private final int status;
        private final HttpHeaders headers;
        private final byte[] body;

        Response(HttpRequest request, int status, HttpHeaders headers, byte[] body) {
            super(request);
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        @Override
        public int getStatusCode() {
            return status;
        }

        @Override
        @Deprecated
        public String getHeaderValue(String name) {
            return headers.getValue(HttpHeaderName.fromString(name));
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }

        @Override
        public Flux<ByteBuffer> getBody() {
            return Flux.just(ByteBuffer.wrap(body));
        }

        @Override
        public Mono<byte[]> getBodyAsByteArray() {
            return Mono.just(body);
        }

        @Override
        public Mono<String> getBodyAsString() {
            return Mono.just(new String(body, StandardCharsets.UTF_8));
        }

        @Override
        public Mono<String> getBodyAsString(Charset charset) {
            return Mono.just(new String(body, charset));
        }
    }
}

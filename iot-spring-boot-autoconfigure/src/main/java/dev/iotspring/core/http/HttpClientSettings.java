package dev.iotspring.core.http;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.SslBundle;

/**
 * What every platform's HTTP client needs: where the server is, how long to wait, extra headers and TLS.
 *
 * @param baseUrl server base URL (http or https)
 * @param connectTimeout TCP connect timeout
 * @param responseTimeout time to wait for a response after the request was sent; for streams (SSE) the time
 *     between two reads
 * @param defaultHeaders headers sent with every request
 * @param sslBundle TLS material; {@code null} means the JVM trust store with hostname verification
 */
public record HttpClientSettings(URI baseUrl, Duration connectTimeout, Duration responseTimeout,
        Map<String, String> defaultHeaders, @Nullable SslBundle sslBundle) {

    public HttpClientSettings {
        defaultHeaders = Map.copyOf(defaultHeaders);
    }

    public static HttpClientSettings of(URI baseUrl) {
        return new HttpClientSettings(baseUrl, Duration.ofSeconds(5), Duration.ofSeconds(10), Map.of(), null);
    }

    public HttpClientSettings withBaseUrl(URI url) {
        return new HttpClientSettings(url, this.connectTimeout, this.responseTimeout, this.defaultHeaders,
                this.sslBundle);
    }

    @Override
    public String toString() {
        // Header values may hold credentials.
        return "HttpClientSettings[baseUrl=" + this.baseUrl + ", connectTimeout=" + this.connectTimeout
                + ", responseTimeout=" + this.responseTimeout + ", headers=" + this.defaultHeaders.keySet()
                + ", ssl=" + (this.sslBundle != null) + "]";
    }
}

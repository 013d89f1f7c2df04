package dev.iotspring.astarte;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;

/**
 * The device side of the Astarte Pairing API (spec §3) over a WebClient whose base URL is the pairing URL
 * (e.g. {@code https://api.example.com/pairing}); every route is {@code /v1/{realm}/...} below it. Bodies travel
 * in the API's {@code {"data": ...}} envelope. Each call has a blocking form and an {@code …Async} form.
 */
public final class AstartePairingClient {

    private final Supplier<WebClient> webClient;

    private final String realm;

    private final JsonMapper json;

    private final Duration timeout;

    public AstartePairingClient(WebClient webClient, String realm, JsonMapper json, Duration timeout) {
        this(fixed(webClient), realm, json, timeout);
    }

    private static Supplier<WebClient> fixed(WebClient webClient) {
        Objects.requireNonNull(webClient, "webClient");
        return () -> webClient;
    }

    /**
     * A client whose WebClient is built on its first request: a device pairs on its own thread, so building the
     * HTTP client (Reactor Netty, the TLS context) is no work for the application's startup.
     */
    public AstartePairingClient(Supplier<WebClient> webClient, String realm, JsonMapper json, Duration timeout) {
        this.webClient = SingletonSupplier.of(Objects.requireNonNull(webClient, "webClient"));
        this.realm = Objects.requireNonNull(realm, "realm");
        this.json = Objects.requireNonNull(json, "json");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** What {@code GET /devices/{id}} tells a device: its status and broker URL. */
    public record DeviceInfo(String status, String brokerUrl) {
    }

    /**
     * Registers a device with an agent JWT ({@code POST /agent/devices}).
     * @return the credentials secret (only this once: store it)
     */
    public String register(String agentJwt, String deviceId) {
        return join(registerAsync(agentJwt, deviceId));
    }

    public CompletableFuture<String> registerAsync(String agentJwt, String deviceId) {
        return exchange(HttpMethod.POST, "/agent/devices", agentJwt, Map.of("hw_id", deviceId), 201, "register device")
            .map(data -> text(data, "credentials_secret", "register device"))
            .toFuture();
    }

    public DeviceInfo info(String credentialsSecret, String deviceId) {
        return join(infoAsync(credentialsSecret, deviceId));
    }

    public CompletableFuture<DeviceInfo> infoAsync(String credentialsSecret, String deviceId) {
        return exchange(HttpMethod.GET, "/devices/" + deviceId, credentialsSecret, null, 200, "device info")
            .map(data -> new DeviceInfo(data.path("status").asString(""),
                    text(data.path("protocols").path("astarte_mqtt_v1"), "broker_url", "device info")))
            .toFuture();
    }

    /** Sends a CSR ({@code POST .../credentials}); returns the client certificate as PEM. */
    public String requestCertificate(String credentialsSecret, String deviceId, String csrPem) {
        return join(requestCertificateAsync(credentialsSecret, deviceId, csrPem));
    }

    public CompletableFuture<String> requestCertificateAsync(String credentialsSecret, String deviceId, String csrPem) {
        return exchange(HttpMethod.POST, credentialsPath(deviceId), credentialsSecret, Map.of("csr", csrPem), 201,
                "request certificate")
            .map(data -> text(data, "client_crt", "request certificate"))
            .toFuture();
    }

    /** Asks Astarte whether a certificate is still valid ({@code POST .../credentials/verify}). */
    public boolean verify(String credentialsSecret, String deviceId, String certificatePem) {
        return join(verifyAsync(credentialsSecret, deviceId, certificatePem));
    }

    public CompletableFuture<Boolean> verifyAsync(String credentialsSecret, String deviceId, String certificatePem) {
        return exchange(HttpMethod.POST, credentialsPath(deviceId) + "/verify", credentialsSecret,
                Map.of("client_crt", certificatePem), 200, "verify certificate")
            .map(data -> data.path("valid").asBoolean(false))
            .toFuture();
    }

    private static String credentialsPath(String deviceId) {
        return "/devices/" + deviceId + "/protocols/astarte_mqtt_v1/credentials";
    }

    private Mono<JsonNode> exchange(HttpMethod method, String path, String bearer, @Nullable Map<String, String> data,
            int expected, String action) {
        WebClient.RequestBodySpec request = this.webClient.get().method(method)
            .uri("/v1/" + this.realm + path)
            .header(HttpHeaders.AUTHORIZATION, "Bearer " + bearer)
            .accept(MediaType.APPLICATION_JSON);
        WebClient.RequestHeadersSpec<?> ready = (data != null)
                ? request.contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(this.json.writeValueAsString(Map.of("data", data)))
                : request;
        return ready.exchangeToMono(response -> response.bodyToMono(String.class)
            .defaultIfEmpty("")
            .map(body -> {
                int status = response.statusCode().value();
                if (status != expected) {
                    throw new AstartePairingException("Astarte pairing: " + action + " failed with HTTP " + status
                            + errorDetail(body), status);
                }
                JsonNode root = this.json.readTree(body);
                JsonNode payload = root.path("data");
                if (!payload.isObject()) {
                    throw new AstartePairingException("Astarte pairing: " + action
                            + " answered without a \"data\" object", status);
                }
                return payload;
            }))
            .timeout(this.timeout)
            .onErrorMap(WebClientRequestException.class, ex -> new AstartePairingException(
                    "Astarte pairing: " + action + " failed: " + ex.getMostSpecificCause().getMessage(), 0, ex))
            .onErrorMap(java.util.concurrent.TimeoutException.class, ex -> new AstartePairingException(
                    "Astarte pairing: " + action + " got no answer within " + this.timeout, 0, ex));
    }

    /** The API's {@code errors} object (details or field errors): server text, no request data. */
    private String errorDetail(String body) {
        try {
            JsonNode errors = this.json.readTree(body).path("errors");
            if (errors.isMissingNode()) {
                return "";
            }
            String text = errors.toString();
            return ": " + ((text.length() > 300) ? text.substring(0, 300) + "..." : text);
        }
        catch (RuntimeException ex) {
            return "";
        }
    }

    private static String text(JsonNode node, String field, String action) {
        JsonNode value = node.path(field);
        if (!value.isString() || value.stringValue().isEmpty()) {
            throw new AstartePairingException("Astarte pairing: " + action + " answered without " + field, 0);
        }
        return value.stringValue();
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        }
        catch (java.util.concurrent.CompletionException ex) {
            if (ex.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw ex;
        }
    }

    @Override
    public String toString() {
        return "AstartePairingClient[realm=" + this.realm + "]";
    }
}

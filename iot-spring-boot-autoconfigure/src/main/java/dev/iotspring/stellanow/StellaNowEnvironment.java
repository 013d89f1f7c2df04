package dev.iotspring.stellanow;

import java.net.URI;

import org.jspecify.annotations.Nullable;

/**
 * The StellaNow environments the official SDKs ship presets for. The broker and API URLs are the SDKs'
 * defaults; {@code iot.stellanow.broker-url} and {@code iot.stellanow.api-base-url} override them.
 */
public enum StellaNowEnvironment {

    /** Production ingestor (WebSocket over TLS on 8083, path /mqtt) and API. */
    PROD("wss://ingestor.prod.stella.cloud:8083/mqtt", "https://api.prod.stella.cloud"),

    /** Development ingestor and API. */
    DEV("wss://ingestor.dev.stella.cloud:8083/mqtt", "https://api.dev.stella.cloud"),

    /** A local broker (NanoMQ in the vendor's guide) without an identity provider. */
    LOCAL("mqtt://localhost:1883", null);

    private final URI brokerUrl;

    private final @Nullable URI apiBaseUrl;

    StellaNowEnvironment(String brokerUrl, @Nullable String apiBaseUrl) {
        this.brokerUrl = URI.create(brokerUrl);
        this.apiBaseUrl = (apiBaseUrl != null) ? URI.create(apiBaseUrl) : null;
    }

    public URI brokerUrl() {
        return this.brokerUrl;
    }

    /** The API base the OIDC realm hangs off, or {@code null} when the environment has none. */
    public @Nullable URI apiBaseUrl() {
        return this.apiBaseUrl;
    }
}

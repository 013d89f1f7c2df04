package dev.iotspring.stellanow.autoconfigure;

import java.net.URI;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * Where StellaNow's broker and identity provider are, as Boot's {@link ConnectionDetails}: by default
 * {@code iot.stellanow.broker-url} and {@code api-base-url} (or the environment's); a bean of this type (an
 * emulator in a test, a service binding) takes their place. The organization, project and credentials stay in
 * the properties.
 */
public interface StellaNowConnectionDetails extends ConnectionDetails {

    /** The MQTT broker ({@code mqtt}, {@code mqtts}, {@code ws} or {@code wss}). */
    URI brokerUrl();

    /** Base URL of the OIDC realm's server; {@code null} when not known (OIDC then fails naming the key). */
    @Nullable URI apiBaseUrl();

    /** Fixed URLs, e.g. of an emulator. */
    static StellaNowConnectionDetails of(String brokerUrl, @Nullable String apiBaseUrl) {
        return new Fixed(URI.create(brokerUrl), (apiBaseUrl != null) ? URI.create(apiBaseUrl) : null);
    }

    /** {@link StellaNowConnectionDetails#of}. */
    record Fixed(URI brokerUrl, @Nullable URI apiBaseUrl) implements StellaNowConnectionDetails {
    }
}

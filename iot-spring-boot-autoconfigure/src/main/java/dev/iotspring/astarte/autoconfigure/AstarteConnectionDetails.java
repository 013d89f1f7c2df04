package dev.iotspring.astarte.autoconfigure;

import java.net.URI;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * Where Astarte's Pairing API is, as Boot's {@link ConnectionDetails}: by default {@code iot.astarte.pairing-url};
 * a bean of this type (an emulator in a test, a service binding) takes its place. The broker URL is not here:
 * the Pairing API hands it to the device. Realm, device id, keys and trust stay in the properties.
 */
@FunctionalInterface
public interface AstarteConnectionDetails extends ConnectionDetails {

    /** Base URL of the Pairing API; {@code null} when not configured (the start then fails naming the key). */
    @Nullable URI pairingUrl();

    /** A fixed URL, e.g. of an emulator. */
    static AstarteConnectionDetails of(String pairingUrl) {
        URI url = URI.create(pairingUrl);
        return () -> url;
    }
}

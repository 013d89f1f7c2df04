package dev.iotspring.streamsea.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * Where the stream-sea server is and who the client is, as Boot's {@link ConnectionDetails}: by default read from
 * {@code iot.stream-sea.*}; a bean of this type (an emulator in a test, a container, a service binding) takes
 * their place. Everything else (timeouts, queue, JWT) stays in the properties.
 */
public interface StreamSeaConnectionDetails extends ConnectionDetails {

    /** Server host; {@code null} when not configured (the start then fails naming {@code remote-host}). */
    @Nullable String host();

    /** Server port; {@code null} for the scheme's default (443 or 80). */
    @Nullable Integer port();

    /** https and wss when true. */
    boolean secure();

    @Nullable String clientId();

    /** The client secret (HTTP Basic auth, WebSocket basic auth); {@code null} with JWT authentication only. */
    @Nullable String clientSecret();

    /** Fixed details, e.g. of an emulator. */
    static StreamSeaConnectionDetails of(String host, int port, boolean secure, String clientId,
            @Nullable String clientSecret) {
        return new Fixed(host, port, secure, clientId, clientSecret);
    }

    /** {@link StreamSeaConnectionDetails#of}; its secret is masked in {@link #toString()}. */
    record Fixed(String host, Integer port, boolean secure, String clientId,
            @Nullable String clientSecret) implements StreamSeaConnectionDetails {

        @Override
        public String toString() {
            return "StreamSeaConnectionDetails[" + this.host + ":" + this.port + ", secure=" + this.secure
                    + ", clientId=" + this.clientId + ", clientSecret=" + StreamSeaProperties.mask(this.clientSecret)
                    + "]";
        }
    }
}

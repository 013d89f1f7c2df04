package dev.iotspring.core.mqtt;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Where an MQTT broker listens, parsed from a URL with one of the schemes the platforms publish:
 *
 * <table>
 * <caption>Schemes</caption>
 * <tr><th>scheme</th><th>transport</th><th>TLS</th><th>default port</th></tr>
 * <tr><td>{@code mqtt}, {@code mqtt-tcp}</td><td>TCP</td><td>no</td><td>1883</td></tr>
 * <tr><td>{@code mqtts}</td><td>TCP</td><td>yes</td><td>8883</td></tr>
 * <tr><td>{@code ws}</td><td>WebSocket</td><td>no</td><td>80</td></tr>
 * <tr><td>{@code wss}</td><td>WebSocket</td><td>yes</td><td>443</td></tr>
 * </table>
 *
 * WebSocket endpoints use the path of the URL, or {@code /mqtt} when it has none. TCP endpoints ignore a
 * path of {@code /} and refuse any other path, query or fragment (they would be silently meaningless).
 */
public final class MqttEndpoint {

    /** Path used for WebSocket endpoints whose URL has none. */
    public static final String DEFAULT_WEBSOCKET_PATH = "/mqtt";

    private final String url;

    private final String scheme;

    private final String host;

    private final int port;

    private final boolean tls;

    private final boolean webSocket;

    private final String path;

    private MqttEndpoint(String url, String scheme, String host, int port, boolean tls, boolean webSocket,
            String path) {
        this.url = url;
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.tls = tls;
        this.webSocket = webSocket;
        this.path = path;
    }

    /**
     * Parses a broker URL such as {@code mqtts://broker.example.com} or {@code wss://host:8083/mqtt}.
     * @throws IllegalArgumentException naming the problem when the URL is not a usable broker URL
     */
    public static MqttEndpoint parse(@Nullable String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(
                    "MQTT broker URL is empty; expected e.g. mqtts://broker.example.com:8883");
        }
        String trimmed = url.trim();
        // Error messages show the URL without any user info (it may hold a password).
        String shown = trimmed.replaceFirst("//[^/@]*@", "//****@");
        URI uri;
        try {
            uri = new URI(trimmed);
        }
        catch (URISyntaxException ex) {
            throw new IllegalArgumentException("MQTT broker URL '" + shown + "' is not a valid URL: "
                    + ex.getReason() + " (at index " + ex.getIndex() + ")");
        }
        String scheme = uri.getScheme();
        if (scheme == null) {
            throw new IllegalArgumentException("MQTT broker URL '" + shown
                    + "' has no scheme; expected one of mqtt, mqtt-tcp, mqtts, ws, wss (e.g. mqtts://" + shown + ")");
        }
        scheme = scheme.toLowerCase(Locale.ROOT);
        boolean tls;
        boolean webSocket;
        int defaultPort;
        switch (scheme) {
            case "mqtt", "mqtt-tcp" -> { tls = false; webSocket = false; defaultPort = 1883; }
            case "mqtts" -> { tls = true; webSocket = false; defaultPort = 8883; }
            case "ws" -> { tls = false; webSocket = true; defaultPort = 80; }
            case "wss" -> { tls = true; webSocket = true; defaultPort = 443; }
            default -> throw new IllegalArgumentException("MQTT broker URL '" + shown + "' has unsupported scheme '"
                    + scheme + "'; expected one of mqtt, mqtt-tcp, mqtts, ws, wss");
        }
        if (uri.isOpaque()) {
            throw new IllegalArgumentException("MQTT broker URL '" + shown + "' has no host; expected " + scheme
                    + "://host[:port]");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            String authority = uri.getRawAuthority();
            if (authority != null && !authority.isEmpty()) {
                // java.net.URI leaves host null when the port is not a number or the host is malformed.
                int colon = authority.lastIndexOf(':');
                String hostPart = (colon >= 0) ? authority.substring(0, colon) : authority;
                if (hostPart.isEmpty() || hostPart.endsWith("@")) {
                    throw new IllegalArgumentException("MQTT broker URL '" + shown + "' has no host; expected "
                            + scheme + "://host[:port]");
                }
                if (colon >= 0 && !authority.endsWith("]") && !authority.substring(colon + 1).matches("[0-9]+")) {
                    throw new IllegalArgumentException("MQTT broker URL '" + shown + "' has an invalid port '"
                            + authority.substring(colon + 1) + "'; expected a number from 1 to 65535");
                }
                throw new IllegalArgumentException("MQTT broker URL '" + shown + "' has an invalid host");
            }
            throw new IllegalArgumentException("MQTT broker URL '" + shown + "' has no host; expected " + scheme
                    + "://host[:port]");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("MQTT broker URL '" + shown
                    + "' must not carry user info; configure the username and password separately");
        }
        int port = uri.getPort();
        if (port == -1) {
            if (uri.getRawAuthority() != null && uri.getRawAuthority().endsWith(":")) {
                throw new IllegalArgumentException("MQTT broker URL '" + shown
                        + "' has an empty port; expected a number from 1 to 65535 or no ':'");
            }
            port = defaultPort;
        }
        else if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("MQTT broker URL '" + shown + "' has an invalid port " + port
                    + "; expected a number from 1 to 65535");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("MQTT broker URL '" + shown + "' must not have a query or fragment");
        }
        String rawPath = uri.getRawPath();
        String path;
        if (webSocket) {
            path = (rawPath == null || rawPath.isEmpty() || rawPath.equals("/")) ? DEFAULT_WEBSOCKET_PATH : rawPath;
        }
        else {
            if (rawPath != null && !rawPath.isEmpty() && !rawPath.equals("/")) {
                throw new IllegalArgumentException("MQTT broker URL '" + shown + "' has a path '" + rawPath
                        + "', but " + scheme + " is plain TCP; only ws and wss URLs have a path");
            }
            path = "";
        }
        return new MqttEndpoint(trimmed, scheme, host, port, tls, webSocket, path);
    }

    /** The URL this endpoint was parsed from, trimmed. */
    public String url() {
        return this.url;
    }

    /** The scheme as given, lower case: mqtt, mqtt-tcp, mqtts, ws or wss. */
    public String scheme() {
        return this.scheme;
    }

    public String host() {
        return this.host;
    }

    public int port() {
        return this.port;
    }

    public boolean isTls() {
        return this.tls;
    }

    public boolean isWebSocket() {
        return this.webSocket;
    }

    /** The WebSocket path (e.g. {@code /mqtt}); empty for TCP endpoints. */
    public String path() {
        return this.path;
    }

    /** The server URI as Paho expects it: {@code tcp://}, {@code ssl://}, {@code ws://} or {@code wss://}. */
    public String pahoServerUri() {
        String pahoScheme = this.webSocket ? (this.tls ? "wss" : "ws") : (this.tls ? "ssl" : "tcp");
        String hostPart = this.host.contains(":") && !this.host.startsWith("[") ? "[" + this.host + "]" : this.host;
        return pahoScheme + "://" + hostPart + ":" + this.port + this.path;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MqttEndpoint other && pahoServerUri().equals(other.pahoServerUri());
    }

    @Override
    public int hashCode() {
        return Objects.hash(pahoServerUri());
    }

    @Override
    public String toString() {
        return pahoServerUri();
    }
}

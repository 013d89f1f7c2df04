package dev.iotspring.spotflow;

import java.net.URI;
import java.util.Locale;

/**
 * The provisioning API's base URL from {@code iot.spotflow.instance}: a host with an optional port, requests go to
 * {@code https://<host[:port]>} and any path is ignored, as in the reference SDK. An explicit {@code http://} is
 * kept (emulators, a private deployment behind a TLS-terminating proxy).
 */
public final class SpotflowInstance {

    /** The reference SDK's default instance. */
    public static final String DEFAULT = "api.eu1.spotflow.io";

    private SpotflowInstance() {
    }

    /**
     * @throws IllegalArgumentException when no host can be read
     */
    public static URI baseUrl(String instance) {
        String text = instance.trim();
        String scheme = "https";
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith("https://")) {
            text = text.substring(8);
        }
        else if (lower.startsWith("http://")) {
            scheme = "http";
            text = text.substring(7);
        }
        int slash = text.indexOf('/');
        String authority = (slash >= 0) ? text.substring(0, slash) : text;
        if (authority.isEmpty() || authority.contains("@") || authority.contains("?")) {
            throw new IllegalArgumentException("expected a host such as " + DEFAULT + " (optionally with :port)");
        }
        URI uri = URI.create(scheme + "://" + authority);
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("expected a host such as " + DEFAULT + " (optionally with :port)");
        }
        return uri;
    }
}

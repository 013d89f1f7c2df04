package dev.iotspring.stellmap.autoconfigure;

import java.net.URI;
import java.util.List;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * The StellMap nodes to talk to, as Boot's {@link ConnectionDetails}: by default {@code iot.stellmap.server-url};
 * a bean of this type (an emulator in a test, a service binding) takes its place.
 */
@FunctionalInterface
public interface StellMapConnectionDetails extends ConnectionDetails {

    /** Base URLs of the nodes, tried in order; empty when not configured (the start then fails naming the key). */
    List<URI> serverUrls();

    /** Fixed URLs, e.g. of an emulator. */
    static StellMapConnectionDetails of(String... serverUrls) {
        List<URI> urls = java.util.Arrays.stream(serverUrls).map(URI::create).toList();
        return () -> urls;
    }
}

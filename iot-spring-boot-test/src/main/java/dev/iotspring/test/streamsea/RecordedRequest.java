package dev.iotspring.test.streamsea;

import java.util.Map;

/**
 * An HTTP request the emulator received.
 *
 * @param method HTTP method
 * @param path path as sent (without query)
 * @param headers request headers (lower-case names, first value)
 * @param body the body, inflated when it was sent with {@code Content-Encoding: gzip}; empty when none
 * @param bodyWasGzipped whether the body arrived gzipped
 */
public record RecordedRequest(String method, String path, Map<String, String> headers, String body,
        boolean bodyWasGzipped) {

    public String header(String name) {
        return this.headers.get(name.toLowerCase());
    }
}

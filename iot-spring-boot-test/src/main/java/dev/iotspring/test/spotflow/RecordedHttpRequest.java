package dev.iotspring.test.spotflow;

import java.time.Instant;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One HTTP request to the emulated Spotflow API and the status it got.
 *
 * @param endpoint the device endpoint, or null for any other path
 * @param method HTTP method
 * @param path request path without query
 * @param headers request headers (first value of each, names lower-case)
 * @param body raw body
 * @param status the status the emulator answered
 * @param receivedAt when it arrived
 */
public record RecordedHttpRequest(@Nullable SpotflowEndpoint endpoint, String method, String path,
        Map<String, String> headers, String body, int status, Instant receivedAt) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The {@code Authorization} header, or null. */
    public @Nullable String authorization() {
        return this.headers.get("authorization");
    }

    /** The body as JSON. */
    public JsonNode json() {
        return JSON.readTree(this.body);
    }

    @Override
    public String toString() {
        // Tokens are secrets even in a test report: the Authorization header stays out.
        return "RecordedHttpRequest[" + this.method + " " + this.path + " -> " + this.status + "]";
    }
}

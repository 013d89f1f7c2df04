package dev.iotspring.test.astarte;

import java.time.Instant;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One HTTP request as the Pairing API of an {@link AstarteEmulator} received it, before any check, with the
 * status it answered.
 *
 * @param method HTTP method
 * @param path request path (with the {@code /pairing} prefix, without the query)
 * @param headers request headers (first value of each, names lower-case); includes {@code authorization}
 * @param body raw body (empty when none)
 * @param status the HTTP status of the answer
 * @param receivedAt when the request arrived
 */
public record RecordedPairingRequest(String method, String path, Map<String, String> headers, String body, int status,
        Instant receivedAt) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A header by lower-case name, or null. */
    public @Nullable String header(String name) {
        return this.headers.get(name);
    }

    /** The body as JSON. */
    public JsonNode json() {
        return JSON.readTree(this.body);
    }

    @Override
    public String toString() {
        // The authorization header carries a JWT or a credentials secret.
        return "RecordedPairingRequest[" + this.method + " " + this.path + " -> " + this.status + "]";
    }
}

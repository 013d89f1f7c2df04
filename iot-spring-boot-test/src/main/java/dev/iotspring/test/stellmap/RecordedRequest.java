package dev.iotspring.test.stellmap;

import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One HTTP request as the {@link StellMapEmulator} received it, before any validation.
 *
 * @param method HTTP method
 * @param path request path without the query
 * @param query decoded query parameters, in order
 * @param headers request headers (first value of each, names lower-case)
 * @param body raw body (empty for GET)
 * @param receivedAt when the request arrived
 */
public record RecordedRequest(String method, String path, Map<String, List<String>> query,
        Map<String, String> headers, String body, Instant receivedAt) {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /** First value of a query parameter, or {@code null}. */
    public @Nullable String queryParam(String name) {
        List<String> values = this.query.get(name);
        return (values == null || values.isEmpty()) ? null : values.get(0);
    }

    /** The body as JSON. */
    public JsonNode json() {
        return MAPPER.readTree(this.body);
    }

    /** The top-level keys of the JSON body, exactly as sent (case preserved), in order. */
    public Set<String> bodyKeys() {
        Set<String> keys = new LinkedHashSet<>();
        Iterator<String> names = json().propertyNames().iterator();
        names.forEachRemaining(keys::add);
        return keys;
    }
}

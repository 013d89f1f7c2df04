package dev.iotspring.test.spotflow;

import tools.jackson.databind.JsonNode;

/**
 * One side of a device twin (desired or reported properties) as the emulated hub holds it.
 *
 * @param version the {@code $version}
 * @param json the properties as compact JSON, without {@code $version}
 */
public record TwinDocument(long version, String json) {

    /** The properties as a JSON tree. */
    public JsonNode tree() {
        return TwinStore.JSON.readTree(this.json);
    }
}

package dev.iotspring.spotflow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** JSON merge patches (RFC 7386) of twin documents: applying one, and the one that turns a document into another. */
final class JsonMergePatch {

    private JsonMergePatch() {
    }

    /** {@code target} with {@code patch} applied: {@code null} removes a key, objects merge, anything else replaces. */
    static ObjectNode apply(ObjectNode target, ObjectNode patch) {
        ObjectNode result = target.deepCopy();
        for (Map.Entry<String, JsonNode> entry : patch.properties()) {
            JsonNode value = entry.getValue();
            if (value.isNull()) {
                result.remove(entry.getKey());
            }
            else if (value.isObject()) {
                JsonNode existing = result.get(entry.getKey());
                ObjectNode base = (existing != null && existing.isObject()) ? (ObjectNode) existing
                        : JsonNodeFactory.instance.objectNode();
                result.set(entry.getKey(), apply(base, (ObjectNode) value));
            }
            else {
                result.set(entry.getKey(), value.deepCopy());
            }
        }
        return result;
    }

    /**
     * The patch that turns {@code from} into {@code to}: new or changed keys, nested objects diffed, removed keys
     * {@code null}; {@code {}} when equal.
     */
    static ObjectNode diff(ObjectNode from, ObjectNode to) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : from.properties()) {
            if (!to.has(entry.getKey())) {
                removed.add(entry.getKey());
            }
        }
        for (Map.Entry<String, JsonNode> entry : to.properties()) {
            JsonNode old = from.get(entry.getKey());
            JsonNode now = entry.getValue();
            if (old == null || !old.equals(now)) {
                if (old != null && old.isObject() && now.isObject()) {
                    patch.set(entry.getKey(), diff((ObjectNode) old, (ObjectNode) now));
                }
                else {
                    patch.set(entry.getKey(), now.deepCopy());
                }
            }
        }
        removed.forEach(patch::putNull);
        return patch;
    }
}

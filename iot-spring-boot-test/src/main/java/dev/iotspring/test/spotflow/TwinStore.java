package dev.iotspring.test.spotflow;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The device twins the hub side keeps: desired and reported properties per device, each with its
 * {@code $version} (both start at 1, empty), changed by JSON merge patches (RFC 7386).
 */
final class TwinStore {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, Twin> twins = new HashMap<>();

    /** The full twin document a GET answers: {@code {"desired":{...,"$version":N},"reported":{...}}}. */
    synchronized String fullTwin(String deviceId) {
        Twin twin = twin(deviceId);
        ObjectNode document = JSON.createObjectNode();
        document.set("desired", withVersion(twin.desired, twin.desiredVersion));
        document.set("reported", withVersion(twin.reported, twin.reportedVersion));
        return JSON.writeValueAsString(document);
    }

    /** Applies a patch to the desired properties; {@code skip} extra versions are consumed silently. */
    synchronized TwinDocument patchDesired(String deviceId, ObjectNode patch, int skip) {
        Twin twin = twin(deviceId);
        mergePatch(twin.desired, patch);
        twin.desiredVersion += 1 + skip;
        return new TwinDocument(twin.desiredVersion, JSON.writeValueAsString(twin.desired));
    }

    /** Applies a reported-properties patch from the device; returns the new reported version. */
    synchronized long patchReported(String deviceId, ObjectNode patch) {
        Twin twin = twin(deviceId);
        mergePatch(twin.reported, patch);
        twin.reportedVersion++;
        return twin.reportedVersion;
    }

    synchronized TwinDocument desired(String deviceId) {
        Twin twin = twin(deviceId);
        return new TwinDocument(twin.desiredVersion, JSON.writeValueAsString(twin.desired));
    }

    synchronized TwinDocument reported(String deviceId) {
        Twin twin = twin(deviceId);
        return new TwinDocument(twin.reportedVersion, JSON.writeValueAsString(twin.reported));
    }

    static ObjectNode withVersion(ObjectNode properties, long version) {
        ObjectNode copy = properties.deepCopy();
        copy.put("$version", version);
        return copy;
    }

    /** RFC 7386: objects merge recursively, {@code null} removes, anything else replaces. */
    static void mergePatch(ObjectNode target, ObjectNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = patch.properties().iterator(); fields.hasNext();) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals("$version")) {
                continue;
            }
            if (value.isNull()) {
                target.remove(name);
            }
            else if (value instanceof ObjectNode object) {
                JsonNode existing = target.get(name);
                ObjectNode merged = (existing instanceof ObjectNode existingObject) ? existingObject
                        : JSON.createObjectNode();
                mergePatch(merged, object);
                target.set(name, merged);
            }
            else {
                target.set(name, value.deepCopy());
            }
        }
    }

    private Twin twin(String deviceId) {
        return this.twins.computeIfAbsent(deviceId, (id) -> new Twin());
    }

    private static final class Twin {

        final ObjectNode desired = JSON.createObjectNode();

        final ObjectNode reported = JSON.createObjectNode();

        long desiredVersion = 1;

        long reportedVersion = 1;
    }
}

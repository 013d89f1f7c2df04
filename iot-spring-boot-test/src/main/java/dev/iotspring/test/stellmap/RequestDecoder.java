package dev.iotspring.test.stellmap;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.test.stellmap.StellMapEmulator.Endpoint;

import static dev.iotspring.test.stellmap.RegistryState.JSON;

/**
 * Request bodies decoded as {@code stellmapd} does: Go's {@code json.Decoder} with unknown fields disallowed
 * (keys matched case-insensitively), then {@code NormalizeRegisterInput}'s trimming, defaults and messages.
 * Problems are thrown as {@link EmulatorFilter.BadRequest} with the server's message.
 */
final class RequestDecoder {

    static final Set<String> IDENTITY_KEYS = Set.of("namespace", "service", "organization", "businessDomain",
            "capabilityDomain", "application", "role", "instanceId");

    static final Set<String> REGISTER_KEYS = union(IDENTITY_KEYS,
            Set.of("zone", "labels", "metadata", "endpoints", "leaseTtlSeconds"));

    static final Set<String> HEARTBEAT_KEYS = union(IDENTITY_KEYS, Set.of("leaseTtlSeconds"));

    private static final Set<String> ENDPOINT_KEYS = Set.of("name", "protocol", "host", "port", "path", "weight");

    private RequestDecoder() {
    }

    static ObjectNode decodeStrict(String body, Set<String> allowed) {
        if (body.isBlank()) {
            throw new EmulatorFilter.BadRequest("EOF");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        }
        catch (JacksonException ex) {
            throw new EmulatorFilter.BadRequest("invalid character in JSON body");
        }
        if (!(node instanceof ObjectNode object)) {
            throw new EmulatorFilter.BadRequest("json: cannot unmarshal " + node.getNodeType().name().toLowerCase(Locale.ROOT)
                    + " into Go value of type struct");
        }
        return canonicalKeys(object, allowed);
    }

    /** Go's decoder matches keys case-insensitively and, with DisallowUnknownFields, rejects the rest. */
    static ObjectNode canonicalKeys(ObjectNode object, Set<String> allowed) {
        ObjectNode result = JSON.createObjectNode();
        for (Map.Entry<String, JsonNode> entry : object.properties()) {
            String canonical = allowed.stream().filter((k) -> k.equalsIgnoreCase(entry.getKey())).findFirst()
                .orElseThrow(() -> new EmulatorFilter.BadRequest("json: unknown field \"" + entry.getKey() + "\""));
            result.set(canonical, entry.getValue());
        }
        return result;
    }

    static String[] identity(ObjectNode json) {
        String service = text(json, "service");
        String[] parts = { text(json, "organization"), text(json, "businessDomain"), text(json, "capabilityDomain"),
                text(json, "application"), text(json, "role") };
        long given = java.util.Arrays.stream(parts).filter((p) -> !p.isEmpty()).count();
        if (given > 0) {
            if (given < 5) {
                throw new EmulatorFilter.BadRequest(
                        "organization, businessDomain, capabilityDomain, application and role are required");
            }
            String composed = String.join(".", parts);
            if (!service.isEmpty() && !service.equals(composed)) {
                throw new EmulatorFilter.BadRequest(
                        "service \"" + service + "\" does not match structured service identity \"" + composed + "\"");
            }
            service = composed;
        }
        return new String[] { text(json, "namespace"), service, text(json, "instanceId") };
    }

    static void requireIdentity(String[] identity) {
        if (identity[0].isEmpty() || identity[1].isEmpty() || identity[2].isEmpty()) {
            throw new EmulatorFilter.BadRequest("namespace, service and instanceId are required");
        }
    }

    static long ttl(ObjectNode json) {
        JsonNode node = json.get("leaseTtlSeconds");
        if (node == null || node.isNull()) {
            return 0;
        }
        if (!node.isIntegralNumber()) {
            throw new EmulatorFilter.BadRequest("json: cannot unmarshal " + node.getNodeType().name().toLowerCase(Locale.ROOT)
                    + " into Go struct field .leaseTtlSeconds of type int64");
        }
        long ttl = node.asLong();
        if (ttl < 0) {
            throw new EmulatorFilter.BadRequest("leaseTtlSeconds must be greater than or equal to 0");
        }
        return ttl;
    }

    static List<Endpoint> endpoints(ObjectNode json) {
        JsonNode node = json.get("endpoints");
        if (node != null && !node.isNull() && !node.isArray()) {
            throw new EmulatorFilter.BadRequest("json: cannot unmarshal into Go struct field .endpoints of type []dto.Endpoint");
        }
        if (node == null || node.isNull() || node.isEmpty()) {
            throw new EmulatorFilter.BadRequest("at least one endpoint is required");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (JsonNode element : node) {
            if (!(element instanceof ObjectNode raw)) {
                throw new EmulatorFilter.BadRequest("json: cannot unmarshal into Go struct field .endpoints");
            }
            ObjectNode endpoint = canonicalKeys(raw, ENDPOINT_KEYS);
            String protocol = text(endpoint, "protocol");
            if (protocol.isEmpty()) {
                throw new EmulatorFilter.BadRequest("endpoint protocol is required");
            }
            String name = text(endpoint, "name").isEmpty() ? protocol : text(endpoint, "name");
            String host = text(endpoint, "host");
            if (host.isEmpty()) {
                throw new EmulatorFilter.BadRequest("endpoint host is required");
            }
            long port = integer(endpoint, "port");
            if (port < 1 || port > 65535) {
                throw new EmulatorFilter.BadRequest("endpoint port must be between 1 and 65535");
            }
            long weight = integer(endpoint, "weight");
            if (weight < 0) {
                throw new EmulatorFilter.BadRequest("endpoint weight must be greater than or equal to 0");
            }
            if (!names.add(name)) {
                throw new EmulatorFilter.BadRequest("duplicate endpoint name \"" + name + "\"");
            }
            endpoints.add(new Endpoint(name, protocol, host, (int) port, text(endpoint, "path"),
                    weight == 0 ? 100 : (int) weight));
        }
        return endpoints;
    }

    static long integer(ObjectNode json, String key) {
        JsonNode node = json.get(key);
        if (node == null || node.isNull()) {
            return 0;
        }
        if (!node.isIntegralNumber()) {
            throw new EmulatorFilter.BadRequest("json: cannot unmarshal " + node.getNodeType().name().toLowerCase(Locale.ROOT)
                    + " into Go struct field Endpoint." + key + " of type int32");
        }
        return node.asLong();
    }

    static Map<String, String> stringMap(ObjectNode json, String key) {
        JsonNode node = json.get(key);
        Map<String, String> result = new TreeMap<>();
        if (node == null || node.isNull()) {
            return result;
        }
        if (!node.isObject()) {
            throw new EmulatorFilter.BadRequest("json: cannot unmarshal into Go struct field ." + key
                    + " of type map[string]string");
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isString()) {
                throw new EmulatorFilter.BadRequest("json: cannot unmarshal into Go struct field ." + key
                        + " of type string");
            }
            String name = entry.getKey().trim();
            if (!name.isEmpty()) {
                result.put(name, entry.getValue().stringValue().trim());
            }
        }
        return result;
    }

    static String text(JsonNode json, String key) {
        JsonNode node = json.get(key);
        if (node == null || node.isNull()) {
            return "";
        }
        if (!node.isString()) {
            throw new EmulatorFilter.BadRequest("json: cannot unmarshal " + node.getNodeType().name().toLowerCase(Locale.ROOT)
                    + " into Go struct field ." + key + " of type string");
        }
        return node.stringValue().trim();
    }

    static boolean parseBool(String text) {
        return switch (text) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw new EmulatorFilter.BadRequest("invalid includeSnapshot \"" + text + "\"");
        };
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> result = new java.util.HashSet<>(a);
        result.addAll(b);
        return Set.copyOf(result);
    }
}

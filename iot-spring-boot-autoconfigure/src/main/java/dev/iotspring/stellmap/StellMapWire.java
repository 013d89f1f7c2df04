package dev.iotspring.stellmap;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON of the registry API. Uses its own mapper, not the application's: the server rejects any unknown key, so
 * an application-wide naming strategy or inclusion rule must never reach these bodies. Responses are read
 * leniently (new server fields are ignored).
 */
final class StellMapWire {

    private static final JsonMapper JSON = JsonMapper.builder()
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build();

    private StellMapWire() {
    }

    static String register(RegisterRequest request) {
        ObjectNode body = identity(request.namespace(), request.service(), request.instanceId());
        if (request.zone() != null && !request.zone().isBlank()) {
            body.put("zone", request.zone());
        }
        putMap(body, "labels", request.labels());
        putMap(body, "metadata", request.metadata());
        ArrayNode endpoints = body.putArray("endpoints");
        for (Endpoint endpoint : request.endpoints()) {
            ObjectNode node = endpoints.addObject().put("name", endpoint.name()).put("protocol", endpoint.protocol())
                .put("host", endpoint.host()).put("port", endpoint.port());
            if (endpoint.path() != null && !endpoint.path().isEmpty()) {
                node.put("path", endpoint.path());
            }
            if (endpoint.weight() > 0) {
                node.put("weight", endpoint.weight());
            }
        }
        if (request.leaseTtl() != null) {
            body.put("leaseTtlSeconds", request.leaseTtl().toSeconds());
        }
        return JSON.writeValueAsString(body);
    }

    static String deregister(DeregisterRequest request) {
        return JSON.writeValueAsString(identity(request.namespace(), request.service(), request.instanceId()));
    }

    static String heartbeat(HeartbeatRequest request) {
        ObjectNode body = identity(request.namespace(), request.service(), request.instanceId());
        if (request.leaseTtl() != null) {
            body.put("leaseTtlSeconds", request.leaseTtl().toSeconds());
        }
        return JSON.writeValueAsString(body);
    }

    private static ObjectNode identity(String namespace, String service, String instanceId) {
        return JSON.createObjectNode().put("namespace", namespace).put("service", service)
            .put("instanceId", instanceId);
    }

    private static void putMap(ObjectNode body, String name, Map<String, String> map) {
        if (!map.isEmpty()) {
            ObjectNode node = body.putObject(name);
            map.forEach(node::put);
        }
    }

    /** The {@code data} of a success envelope, or the typed exception for an error envelope. */
    static JsonNode data(int status, String body) {
        JsonNode envelope = null;
        try {
            envelope = body.isBlank() ? null : JSON.readTree(body);
        }
        catch (JacksonException ex) {
            // Plain-text answers (405, 404 of an unknown route, a proxy's error page).
        }
        String code = (envelope != null) ? envelope.path("code").asString("") : "";
        boolean readable = (envelope != null) ? envelope.isObject() : body.isBlank();
        if (status >= 200 && status < 300 && readable && (code.isEmpty() || code.equals("ok"))) {
            return (envelope != null) ? envelope.path("data") : JSON.missingNode();
        }
        throw error(status, envelope, body);
    }

    /** The exception for a non-success answer. */
    static StellMapException failure(int status, String body) {
        try {
            data(status, body);
        }
        catch (StellMapException ex) {
            return ex;
        }
        return new StellMapException(status, "http_" + status, "unexpected answer", null);
    }

    static StellMapException error(int status, @Nullable JsonNode envelope, String body) {
        if (envelope == null || !envelope.isObject() || !envelope.has("code")) {
            // Not StellMap's envelope: a proxy's error page, a plain-text 404/405, a login page. Its text is not
            // repeated: such pages may echo request headers, and gateway credentials travel in headers.
            String what = body.isBlank() ? "an empty answer" : "an answer that is not a StellMap envelope ("
                    + body.length() + " characters)";
            if (status == 502 || status == 503 || status == 504) {
                // Something in front of StellMap answered for a node it could not reach.
                return new StellMapUnreachableException(status, "gateway answered " + status + " with " + what);
            }
            return new StellMapException(status, (status >= 200 && status < 300) ? "invalid_answer" : "http_" + status,
                    what, null);
        }
        String code = envelope.path("code").asString("");
        String message = envelope.path("message").asString("");
        return switch (code) {
            case "not_found" -> new StellMapNotFoundException(message);
            case "bad_request" -> new StellMapBadRequestException(message);
            case "revision_expired" -> new StellMapRevisionExpiredException(message);
            case "not_leader" -> {
                String addr = envelope.path("leaderAddr").asString("");
                yield new StellMapNotLeaderException(message, envelope.path("leaderId").asLong(0),
                        addr.isBlank() ? null : addr);
            }
            default -> new StellMapException(status, code, message, null);
        };
    }

    static List<ServiceInstance> instances(JsonNode array) {
        List<ServiceInstance> result = new ArrayList<>();
        if (array != null && array.isArray()) {
            for (JsonNode node : array) {
                result.add(instance(node));
            }
        }
        return result;
    }

    static ServiceInstance instance(JsonNode node) {
        String service = node.path("service").asString("");
        List<Endpoint> endpoints = new ArrayList<>();
        for (JsonNode e : node.path("endpoints")) {
            try {
                endpoints.add(new Endpoint(e.path("name").asString(""), e.path("protocol").asString(""),
                        e.path("host").asString(""), e.path("port").asInt(0), emptyToNull(e.path("path").asString("")),
                        e.path("weight").asInt(0)));
            }
            catch (IllegalArgumentException ex) {
                // A malformed endpoint (never written by the server's validation) is skipped, not fatal.
            }
        }
        return new ServiceInstance(node.path("namespace").asString(""), service,
                ServiceName.tryParse(service).orElse(null), node.path("instanceId").asString(""),
                emptyToNull(node.path("zone").asString("")), stringMap(node.path("labels")),
                stringMap(node.path("metadata")), endpoints, Duration.ofSeconds(node.path("leaseTtlSeconds").asLong(30)),
                Instant.ofEpochSecond(node.path("registeredAtUnix").asLong(0)),
                Instant.ofEpochSecond(node.path("lastHeartbeatUnix").asLong(0)));
    }

    /**
     * One SSE frame as a watch event; {@code null} for event names this client does not know (the server never
     * sends others, but defensive clients skip {@code ping}, {@code reset} and future types).
     */
    static @Nullable WatchEvent event(@Nullable String eventName, String data) {
        JsonNode node = JSON.readTree(data);
        if (!node.isObject()) {
            throw new IllegalArgumentException("watch data is not a JSON object");
        }
        String type = node.path("type").asString(eventName != null ? eventName : "");
        WatchEvent.Type parsed;
        try {
            parsed = WatchEvent.Type.valueOf(type.toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException ex) {
            return null;
        }
        JsonNode instance = node.get("instance");
        return new WatchEvent(parsed, node.path("revision").asLong(0), node.path("namespace").asString(""),
                emptyToNull(node.path("service").asString("")), emptyToNull(node.path("instanceId").asString("")),
                (instance != null && instance.isObject()) ? instance(instance) : null,
                instances(node.path("instances")));
    }

    private static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> map = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.properties().forEach((e) -> map.put(e.getKey(), e.getValue().asString("")));
        }
        return map;
    }

    private static @Nullable String emptyToNull(String text) {
        return text.isEmpty() ? null : text;
    }
}

package dev.iotspring.test.streamsea;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.test.streamsea.EmulatorState.Client;

/** The HTTP API of spec §2: Basic auth, plain or gzipped bodies, publish, define, describe, versions, JWT keys. */
final class HttpApiHandlers {

    static final String INVALID_CREDENTIALS = "The credentials are present and well formed but invalid.";

    private final EmulatorState state;

    private final EmulatorFaults faults;

    private final JsonMapper json;

    HttpApiHandlers(EmulatorState state) {
        this.state = state;
        this.faults = state.faults;
        this.json = state.json;
    }

    void addRoutes(HttpServerRoutes routes) {
        routes.post("/api/v1/streams/{stream}/publish", (req, res) -> http(req, res, this::publish))
            .post("/api/v1/streams/{stream}/define", (req, res) -> http(req, res, this::define))
            .get("/api/v1/streams/{stream}/schema", (req, res) -> http(req, res, this::describe))
            .post("/api/v1/schema-versions-vector", (req, res) -> http(req, res, this::versionsVector))
            .put("/api/v1/client/{clientId}/jwt-public-key", (req, res) -> http(req, res, this::jwtPublicKey));
    }

    private interface HttpCall {

        Answer call(Client client, HttpServerRequest request, JsonNode body);
    }

    /** An answer; {@code contentType} and {@code text} replace the JSON body when set (an error page). */
    private record Answer(int status, JsonNode body, String contentType, @Nullable String text) {

        Answer(int status, JsonNode body) {
            this(status, body, "application/json", null);
        }

        String bodyText() {
            return (this.text != null) ? this.text : this.body.toString();
        }
    }

    private Publisher<Void> http(HttpServerRequest request, HttpServerResponse response, HttpCall call) {
        return request.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap((raw) -> {
            boolean gzipped = "gzip".equalsIgnoreCase(request.requestHeaders().get("Content-Encoding"));
            Answer answer;
            try {
                String text = new String(gzipped ? gunzip(raw) : raw, StandardCharsets.UTF_8);
                Map<String, String> headers = new LinkedHashMap<>();
                request.requestHeaders().forEach((e) -> headers.putIfAbsent(e.getKey().toLowerCase(), e.getValue()));
                this.state.requests.add(new RecordedRequest(request.method().name(), request.fullPath(), headers, text,
                        gzipped));
                Client client = basicAuth(request.requestHeaders().get("Authorization"));
                if (client == null) {
                    answer = error(401, INVALID_CREDENTIALS);
                }
                else {
                    JsonNode body = text.isEmpty() ? this.json.missingNode() : this.json.readTree(text);
                    answer = call.call(client, request, body);
                }
            }
            catch (JacksonException | IOException ex) {
                answer = error(400, "The request body is not valid JSON");
            }
            Answer result = answer;
            Duration delay = request.fullPath().endsWith("/publish") ? this.faults.publishDelay : Duration.ZERO;
            Mono<Void> send = Mono.defer(() -> Mono.from(response.status(HttpResponseStatus.valueOf(result.status()))
                .header("Content-Type", result.contentType())
                .sendString(Mono.just(result.bodyText()))));
            return delay.isZero() ? send : Mono.delay(delay).then(send);
        });
    }

    private @Nullable Client basicAuth(@Nullable String header) {
        if (header == null || !header.startsWith("Basic ")) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        }
        catch (IllegalArgumentException ex) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        Client client = this.state.clients.get(decoded.substring(0, colon));
        return (client != null && client.secret.equals(decoded.substring(colon + 1))) ? client : null;
    }

    private Answer publish(Client client, HttpServerRequest request, JsonNode body) {
        if (this.faults.takePublishFailure()) {
            String text = this.faults.failPublishBody;
            if (text != null) {
                return new Answer(this.faults.failPublishStatus, this.json.missingNode(),
                        String.valueOf(this.faults.failPublishContentType), text);
            }
            return error(this.faults.failPublishStatus, "The server cannot take the message now");
        }
        String stream = request.param("stream");
        List<JsonNode> versions = this.state.schemas.get(client.jailId).get(stream);
        if (versions == null || versions.isEmpty()) {
            return error(404, "Stream [" + stream + "] does not exist");
        }
        if (!body.isObject() || !body.has("payload")) {
            return error(400, "The body must be {\"payload\": ...}");
        }
        JsonNode schema = versions.get(versions.size() - 1);
        JsonNode payload = body.get("payload");
        // A JSON array is a batch (the PHP client's batch feature): every element must match the schema.
        List<String> errors = new ArrayList<>();
        if (payload.isArray()) {
            if (payload.isEmpty()) {
                errors.add("payload: a batch needs at least one message");
            }
            for (int i = 0; i < payload.size(); i++) {
                SchemaRules.validateObject(schema.get("fields"), payload.get(i), "payload[" + i + "]", errors);
            }
        }
        else {
            SchemaRules.validateObject(schema.get("fields"), payload, "payload", errors);
        }
        if (!errors.isEmpty()) {
            ObjectNode answer = this.json.createObjectNode();
            answer.put("message", "The payload does not match the schema of [" + stream + "]");
            ArrayNode list = answer.putArray("errors");
            errors.forEach(list::add);
            return new Answer(400, answer);
        }
        // A batch reaches subscribers as it was published, one delivery whose payload is the array (stream-sea's
        // batch documentation); splitting it into one delivery per element is a switch.
        List<JsonNode> messages = new ArrayList<>();
        if (payload.isArray() && this.faults.splitArrayPayloads) {
            payload.forEach(messages::add);
        }
        else {
            messages.add(payload);
        }
        messages.forEach((message) -> this.state.route(client.jailId, stream, message));
        this.state.accepted.computeIfAbsent(stream, (s) -> new CopyOnWriteArrayList<>()).add(payload);
        return new Answer(200, this.json.createObjectNode());
    }

    private Answer define(Client client, HttpServerRequest request, JsonNode body) {
        String stream = request.param("stream");
        if (!body.isObject() || !body.path("version").isIntegralNumber() || !body.path("fields").isArray()) {
            return error(400, "A schema needs an integer version and a fields array");
        }
        if (body.has("name") && !stream.equals(body.path("name").asString())) {
            return error(400, "The schema name [" + body.path("name").asString() + "] is not the stream [" + stream
                    + "]");
        }
        List<String> errors = new ArrayList<>();
        SchemaRules.validateFieldDefinitions(body.get("fields"), "fields", errors);
        if (!errors.isEmpty()) {
            ObjectNode answer = (ObjectNode) error(400, "The schema is invalid").body();
            ArrayNode list = answer.putArray("errors");
            errors.forEach(list::add);
            return new Answer(400, answer);
        }
        int version = body.path("version").asInt();
        ObjectNode schema = this.json.createObjectNode();
        schema.put("name", stream);
        schema.put("version", version);
        schema.set("fields", body.get("fields"));
        synchronized (this.state.schemas) {
            List<JsonNode> versions = this.state.schemas.get(client.jailId)
                .computeIfAbsent(stream, (s) -> new ArrayList<>());
            if (!versions.isEmpty()) {
                JsonNode current = versions.get(versions.size() - 1);
                int currentVersion = current.path("version").asInt();
                if (version < currentVersion) {
                    return error(400, "The version pushed for the schema [" + stream + "] is [" + version
                            + "] but there is already an older version defined [" + currentVersion + "]");
                }
                if (version == currentVersion) {
                    if (SchemaRules.sameFields(current.get("fields"), body.get("fields"))) {
                        return new Answer(200, current);
                    }
                    return error(400, "The schema [" + stream + "] version [" + version
                            + "] is already defined with different fields");
                }
            }
            versions.add(schema);
        }
        return new Answer(200, schema);
    }

    private Answer describe(Client client, HttpServerRequest request, JsonNode body) {
        String stream = request.param("stream");
        List<JsonNode> versions = this.state.schemas.get(client.jailId).get(stream);
        if (versions == null || versions.isEmpty()) {
            return error(404, "Stream [" + stream + "] does not exist");
        }
        return new Answer(200, versions.get(versions.size() - 1));
    }

    private Answer versionsVector(Client client, HttpServerRequest request, JsonNode body) {
        if (!body.path("schemaNames").isArray()) {
            return error(400, "The body must be {\"schemaNames\": [...]}");
        }
        ObjectNode answer = this.json.createObjectNode();
        ArrayNode vector = answer.putArray("versionsVector");
        for (JsonNode name : body.get("schemaNames")) {
            List<JsonNode> versions = this.state.schemas.get(client.jailId).get(name.asString());
            if (versions == null || versions.isEmpty()) {
                vector.addNull();
            }
            else {
                vector.add(versions.get(versions.size() - 1).path("version").asInt());
            }
        }
        return new Answer(200, answer);
    }

    private Answer jwtPublicKey(Client client, HttpServerRequest request, JsonNode body) {
        if (!client.id.equals(request.param("clientId"))) {
            return error(403, "A client can only rotate its own JWT public key");
        }
        JsonNode pem = body.path("jwtPublicKey");
        if (pem.isNull() || pem.isMissingNode()) {
            client.jwtPublicKey = null;
        }
        else {
            try {
                client.jwtPublicKey = Jwts.readPublicKey(pem.asString());
            }
            catch (IllegalArgumentException ex) {
                return error(400, "The JWT public key is not a PEM RSA public key");
            }
        }
        ObjectNode answer = this.json.createObjectNode();
        answer.put("givenId", client.id);
        answer.set("jwtPublicKey", pem.isMissingNode() ? this.json.nullNode() : pem);
        return new Answer(200, answer);
    }

    private Answer error(int status, String message) {
        ObjectNode body = this.json.createObjectNode();
        body.put("message", message);
        return new Answer(status, body);
    }

    private static byte[] gunzip(byte[] bytes) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return in.readAllBytes();
        }
    }
}

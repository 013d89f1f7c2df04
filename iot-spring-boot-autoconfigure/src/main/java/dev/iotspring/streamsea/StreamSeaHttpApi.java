package dev.iotspring.streamsea;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.core.http.HttpClientSettings;
import dev.iotspring.core.http.IotWebClients;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The stream-sea HTTP API ({@code /api/v1}, Basic auth): publish, define, describe and the versions vector,
 * with answers mapped to the typed exceptions of this package. Non-JSON error bodies (an HTML page from a proxy,
 * plain text) become a {@link StreamSeaException} naming the status and content type, never the body.
 */
final class StreamSeaHttpApi {

    private final StreamSeaClientSettings settings;

    private final JsonMapper json;

    private final WebClient webClient;

    private final Duration blockTimeout;

    StreamSeaHttpApi(StreamSeaClientSettings settings, JsonMapper json, WebClient.Builder webClientBuilder) {
        this.settings = settings;
        this.json = json;
        HttpClientSettings http = new HttpClientSettings(settings.httpBaseUri(), settings.connectTimeout(),
                settings.requestTimeout(), Map.of(), settings.sslBundle());
        // Inflates compressed answers (the request asks for gzip or deflate, as the JS client does).
        HttpClient httpClient = IotWebClients.httpClient(http).compress(true);
        this.webClient = webClientBuilder.clone()
            .clientConnector(new ReactorClientHttpConnector(httpClient))
            .build();
        this.blockTimeout = settings.connectTimeout().plus(settings.requestTimeout()).plusSeconds(1);
    }

    /** How long a blocking call waits: connect plus request timeout, plus a margin. */
    Duration blockTimeout() {
        return this.blockTimeout;
    }

    Mono<Void> publish(String stream, byte[] body) {
        return exchange(HttpMethod.POST, stream, body, "streams", stream, "publish").then();
    }

    Mono<SchemaDefinition> describe(String stream) {
        return exchange(HttpMethod.GET, stream, null, "streams", stream, "schema").map(this::readSchema);
    }

    Mono<Void> define(SchemaDefinition schema) {
        ObjectNode body = this.json.createObjectNode();
        body.put("version", schema.version());
        body.set("fields", writeFields(schema.fields()));
        return exchange(HttpMethod.POST, schema.name(), this.json.writeValueAsBytes(body), "streams", schema.name(),
                "define")
            .then();
    }

    Mono<List<Optional<Integer>>> versionsVector(List<String> streams) {
        ObjectNode body = this.json.createObjectNode();
        ArrayNode names = body.putArray("schemaNames");
        streams.forEach(names::add);
        return exchange(HttpMethod.POST, null, this.json.writeValueAsBytes(body), "schema-versions-vector")
            .handle((answer, sink) -> {
                JsonNode vector = answer.path("versionsVector");
                if (!vector.isArray() || vector.size() != streams.size()) {
                    sink.error(new StreamSeaException("stream-sea answered the versions vector with "
                            + vector.size() + " entries for " + streams.size() + " streams"));
                    return;
                }
                List<Optional<Integer>> versions = new ArrayList<>();
                for (JsonNode version : vector) {
                    versions.add(version.isNumber() ? Optional.of(version.asInt()) : Optional.empty());
                }
                sink.next(versions);
            });
    }

    private Mono<JsonNode> exchange(HttpMethod method, @Nullable String stream, byte @Nullable [] body,
            String... path) {
        String secret = this.settings.clientSecret();
        if (secret == null) {
            return Mono.error(new StreamSeaException("The stream-sea HTTP API needs a client secret "
                    + "(iot.stream-sea.client-secret); a JWT only authenticates the WebSocket"));
        }
        URI uri = UriComponentsBuilder.fromUri(this.settings.httpBaseUri()).pathSegment(path).build().encode().toUri();
        WebClient.RequestBodySpec request = this.webClient.method(method)
            .uri(uri)
            .headers((headers) -> {
                // UTF-8 like Node and Python; Spring's default charset for Basic auth is ISO-8859-1.
                headers.setBasicAuth(this.settings.clientId(), secret, StandardCharsets.UTF_8);
                headers.setContentType(MediaType.APPLICATION_JSON);
                headers.setAccept(List.of(MediaType.APPLICATION_JSON));
                // What the JS client asks for. Left to Reactor Netty, the header also offers br whenever brotli4j
                // is on the classpath, and a brotli4j that does not match Netty's decoder then fails every answer.
                headers.set(HttpHeaders.ACCEPT_ENCODING, "gzip, deflate");
            });
        if (body != null) {
            byte[] bytes = body;
            if (this.settings.compressRequests()) {
                bytes = gzip(bytes);
                request.header(HttpHeaders.CONTENT_ENCODING, "gzip");
            }
            request.bodyValue(bytes);
        }
        return request.exchangeToMono((response) -> response.bodyToMono(byte[].class)
            .defaultIfEmpty(new byte[0])
            .<JsonNode>handle((bytes, sink) -> {
                int status = response.statusCode().value();
                JsonNode answer = parse(bytes);
                if (status >= 200 && status < 300) {
                    // The success body of a publish is UNCONFIRMED: whatever it is, it is not read.
                    sink.next((answer != null) ? answer : this.json.missingNode());
                }
                else {
                    String type = response.headers().contentType().map(MediaType::toString).orElse("no content type");
                    sink.error(toException(status, answer, bytes.length, type, stream));
                }
            }))
            .onErrorMap((ex) -> !(ex instanceof StreamSeaException),
                    (ex) -> new StreamSeaException("stream-sea call " + method + " " + uri.getPath() + " failed: "
                            + ex.getMessage(), 0, ex));
    }

    private @Nullable JsonNode parse(byte[] bytes) {
        if (bytes.length == 0) {
            return this.json.missingNode();
        }
        try {
            return this.json.readTree(bytes);
        }
        catch (JacksonException ex) {
            return null;
        }
    }

    private StreamSeaException toException(int status, @Nullable JsonNode answer, int length, String contentType,
            @Nullable String stream) {
        if (answer == null) {
            // An HTML error page or plain text, e.g. from a proxy: named, not echoed (it may be large or odd).
            return new StreamSeaException("stream-sea answered HTTP " + status + " with a body that is not JSON ("
                    + contentType + ", " + length + " bytes)", status, null);
        }
        String message = answer.path("message").isString() ? answer.path("message").asString() : null;
        List<String> errors = new ArrayList<>();
        answer.path("errors").forEach((error) -> errors.add(error.isString() ? error.asString() : error.toString()));
        if (status == 401) {
            return new StreamSeaAuthenticationException(message, status);
        }
        if (status == 400) {
            if (errors.isEmpty() && message != null && message.toLowerCase().contains("older version")) {
                return new StreamSeaSchemaDowngradeException(message);
            }
            return new StreamSeaValidationException(message, errors);
        }
        if (status == 404 && stream != null) {
            return new StreamSeaNotFoundException(stream, message);
        }
        return new StreamSeaException("stream-sea answered HTTP " + status + (message != null ? ": " + message : ""),
                status, null);
    }

    private ArrayNode writeFields(List<SchemaField> fields) {
        ArrayNode array = this.json.createArrayNode();
        for (SchemaField field : fields) {
            ObjectNode node = array.addObject();
            node.put("name", field.name());
            node.put("type", field.type().json());
            if (field.type() == FieldType.ENUM) {
                ArrayNode values = node.putArray("enum");
                field.enumValues().forEach(values::add);
            }
            if (field.type().hasNestedFields()) {
                node.set("fields", writeFields(field.fields()));
            }
        }
        return array;
    }

    private SchemaDefinition readSchema(JsonNode node) {
        try {
            return new SchemaDefinition(node.path("name").asString(), node.path("version").asInt(),
                    readFields(node.path("fields")));
        }
        catch (IllegalArgumentException ex) {
            throw new StreamSeaException("stream-sea sent a schema this client cannot read: " + ex.getMessage(), 200,
                    ex);
        }
    }

    private List<SchemaField> readFields(JsonNode fields) {
        List<SchemaField> result = new ArrayList<>();
        for (JsonNode field : fields) {
            List<String> values = new ArrayList<>();
            field.path("enum").forEach((value) -> values.add(value.asString()));
            result.add(new SchemaField(field.path("name").asString(), FieldType.fromJson(field.path("type").asString()),
                    values, readFields(field.path("fields"))));
        }
        return result;
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 2 + 16);
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }
}

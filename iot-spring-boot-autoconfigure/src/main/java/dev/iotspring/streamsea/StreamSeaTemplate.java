package dev.iotspring.streamsea;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.core.http.HttpClientSettings;
import dev.iotspring.core.http.IotWebClients;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Publishes to stream-sea and manages stream schemas over its HTTP API ({@code /api/v1}, Basic auth), and
 * subscribes to streams over the one shared WebSocket of its {@link StreamSeaConnection}.
 *
 * <p>Subscriptions are cold: each subscriber of a returned {@link Flux} is one subscription on the server,
 * sent when the connection is authenticated and again after every reconnect; cancelling the Flux forgets it
 * (stream-sea has no unsubscribe frame, so the server stops sending only when the socket is next replaced).
 * Deliveries are emitted on the connection's event loop: move slow work elsewhere with {@code publishOn}.
 * stream-sea has no flow control, so deliveries a subscriber has not requested yet are buffered (without
 * bound) rather than slowing down the shared socket.
 */
public class StreamSeaTemplate implements DisposableBean {

    private static final Logger logger = LoggerFactory.getLogger(StreamSeaTemplate.class);

    private final StreamSeaClientSettings settings;

    private final StreamSeaConnection connection;

    private final JsonMapper json;

    private final WebClient webClient;

    private final Duration blockTimeout;

    private final AtomicLong published = new AtomicLong();

    private final AtomicLong publishFailures = new AtomicLong();

    private final AtomicLong undecodable = new AtomicLong();

    private volatile Consumer<Duration> publishLatency = (latency) -> {
    };

    public StreamSeaTemplate(StreamSeaClientSettings settings, StreamSeaConnection connection, JsonMapper json,
            WebClient.Builder webClientBuilder) {
        this.settings = settings;
        this.connection = connection;
        this.json = json;
        HttpClientSettings http = new HttpClientSettings(settings.httpBaseUri(), settings.connectTimeout(),
                settings.responseTimeout(), Map.of(), settings.sslBundle());
        // Asks for gzip responses like the JS client and inflates them.
        HttpClient httpClient = IotWebClients.httpClient(http).compress(true);
        this.webClient = webClientBuilder.clone()
            .clientConnector(new ReactorClientHttpConnector(httpClient))
            .build();
        this.blockTimeout = settings.connectTimeout().plus(settings.responseTimeout()).plusSeconds(1);
    }

    /** A template with its own connection and a plain WebClient; call {@link #start()} to subscribe. */
    public static StreamSeaTemplate create(StreamSeaClientSettings settings) {
        JsonMapper json = JsonMapper.builder().build();
        return new StreamSeaTemplate(settings, new StreamSeaConnection(settings, json), json, WebClient.builder());
    }

    /** Opens the WebSocket (the auto-configuration leaves this to the application's lifecycle). */
    public void start() {
        this.connection.start();
    }

    @Override
    public void destroy() {
        this.connection.close();
    }

    public StreamSeaConnection getConnection() {
        return this.connection;
    }

    public StreamSeaClientSettings getSettings() {
        return this.settings;
    }

    // ---- HTTP API ----------------------------------------------------------------------------------------

    /**
     * {@code POST /streams/{stream}/publish} with {@code {"payload": payload}}. The payload is any object
     * Jackson can write (or a {@link JsonNode}). The future completes when the server answered 200, or fails
     * with a {@link StreamSeaValidationException} (payload does not match the schema),
     * {@link StreamSeaAuthenticationException} or {@link StreamSeaException}.
     */
    public CompletableFuture<Void> publish(String stream, Object payload) {
        Objects.requireNonNull(stream, "stream");
        ObjectNode body = this.json.createObjectNode();
        body.set("payload", this.json.valueToTree(payload));
        long started = System.nanoTime();
        return exchange(HttpMethod.POST, stream, body, "streams", stream, "publish")
            .doOnSuccess((ignored) -> {
                this.published.incrementAndGet();
                this.publishLatency.accept(Duration.ofNanos(System.nanoTime() - started));
            })
            .doOnError((ex) -> this.publishFailures.incrementAndGet())
            .then()
            .toFuture();
    }

    /** {@code GET /streams/{stream}/schema}: the stream's current schema. */
    public SchemaDefinition describeStream(String stream) {
        JsonNode body = block(exchange(HttpMethod.GET, stream, null, "streams", stream, "schema"));
        return readSchema(body);
    }

    /**
     * {@code POST /streams/{name}/define} with {@code {"version","fields"}}. Defining the stored version again
     * with equal fields succeeds; a lower version fails with {@link StreamSeaSchemaDowngradeException}, the
     * same version with other fields with {@link StreamSeaValidationException}.
     */
    public void defineStream(SchemaDefinition schema) {
        ObjectNode body = this.json.createObjectNode();
        body.put("version", schema.version());
        body.set("fields", writeFields(schema.fields()));
        block(exchange(HttpMethod.POST, schema.name(), body, "streams", schema.name(), "define"));
    }

    /**
     * {@code POST /schema-versions-vector}: the current version of each stream, in order, empty for a stream
     * the server does not know.
     */
    public List<Optional<Integer>> getSchemaVersionsVector(List<String> streams) {
        ObjectNode body = this.json.createObjectNode();
        ArrayNode names = body.putArray("schemaNames");
        streams.forEach(names::add);
        JsonNode answer = block(exchange(HttpMethod.POST, null, body, "schema-versions-vector"));
        JsonNode vector = answer.path("versionsVector");
        if (!vector.isArray() || vector.size() != streams.size()) {
            throw new StreamSeaException("stream-sea answered the versions vector with " + vector.size()
                    + " entries for " + streams.size() + " streams");
        }
        List<Optional<Integer>> versions = new ArrayList<>();
        for (JsonNode version : vector) {
            versions.add(version.isNumber() ? Optional.of(version.asInt()) : Optional.empty());
        }
        return versions;
    }

    // ---- WebSocket subscriptions -------------------------------------------------------------------------

    /** Subscribes without a {@code groupId}: the server's default group, shared by instances of this client. */
    public <T> Flux<T> subscribe(String stream, Class<T> payloadType) {
        return decode(this.connection.subscribe(stream, new GroupMode.ServerDefault()), stream, payloadType);
    }

    /**
     * Subscribes as a member of a consumer group: every message reaches exactly one member. The same UUID is
     * sent on every reconnect, so all instances configured with it keep sharing the stream.
     */
    public <T> Flux<T> subscribe(String stream, UUID groupId, Class<T> payloadType) {
        Objects.requireNonNull(groupId, "groupId");
        return decode(this.connection.subscribe(stream, new GroupMode.Fixed(groupId)), stream, payloadType);
    }

    /** Subscribes with a fresh UUID per subscribe frame: this subscriber receives every message. */
    public <T> Flux<T> subscribeFanout(String stream, Class<T> payloadType) {
        return decode(this.connection.subscribe(stream, new GroupMode.Fanout()), stream, payloadType);
    }

    /** Connection failures as they happen (authentication refused, socket errors). */
    public Flux<StreamSeaException> connectionErrors() {
        return this.connection.errors();
    }

    public StreamSeaConnectionState connectionState() {
        return this.connection.state();
    }

    /** Called with the time from {@link #publish} to the server's 200, for each successful publish. */
    public void setPublishLatencyListener(Consumer<Duration> listener) {
        this.publishLatency = Objects.requireNonNull(listener, "listener");
    }

    /** Publish calls answered 200. */
    public long getPublishedCount() {
        return this.published.get();
    }

    /** Publish calls that failed. */
    public long getPublishFailedCount() {
        return this.publishFailures.get();
    }

    /** Deliveries skipped because they could not be read as the subscriber's payload type. */
    public long getUndecodableCount() {
        return this.undecodable.get();
    }

    <T> T convert(JsonNode payload, Class<T> type) {
        return this.json.treeToValue(payload, type);
    }

    Object convert(JsonNode payload, Type type) {
        return this.json.treeToValue(payload, this.json.constructType(type));
    }

    private <T> Flux<T> decode(Flux<JsonNode> deliveries, String stream, Class<T> type) {
        return deliveries.handle((payload, sink) -> {
            try {
                sink.next(convert(payload, type));
            }
            catch (JacksonException | IllegalArgumentException ex) {
                this.undecodable.incrementAndGet();
                logger.warn("Skipped a delivery of stream '{}' that is not a {}: {}", stream, type.getName(),
                        ex.getMessage());
            }
        });
    }

    // ---- HTTP plumbing -----------------------------------------------------------------------------------

    private Mono<JsonNode> exchange(HttpMethod method, @Nullable String stream, @Nullable JsonNode body,
            String... path) {
        String secret = this.settings.clientSecret();
        if (secret == null) {
            return Mono.error(new StreamSeaException("The stream-sea HTTP API needs a client secret "
                    + "(iot.stream-sea.client-secret); a JWT only authenticates the WebSocket"));
        }
        var uri = UriComponentsBuilder.fromUri(this.settings.httpBaseUri()).pathSegment(path).build().encode().toUri();
        WebClient.RequestBodySpec request = this.webClient.method(method)
            .uri(uri)
            .headers((headers) -> {
                // UTF-8 like Node and Python; Spring's default charset for Basic auth is ISO-8859-1.
                headers.setBasicAuth(this.settings.clientId(), secret, StandardCharsets.UTF_8);
                headers.setContentType(MediaType.APPLICATION_JSON);
                headers.setAccept(List.of(MediaType.APPLICATION_JSON));
            });
        if (body != null) {
            byte[] bytes = this.json.writeValueAsBytes(body);
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
                if (status == 200) {
                    sink.next(answer);
                }
                else {
                    sink.error(toException(status, answer, stream));
                }
            }))
            .onErrorMap((ex) -> !(ex instanceof StreamSeaException),
                    (ex) -> new StreamSeaException("stream-sea call " + method + " " + uri.getPath() + " failed: "
                            + ex.getMessage(), 0, ex));
    }

    private JsonNode parse(byte[] bytes) {
        if (bytes.length == 0) {
            return this.json.missingNode();
        }
        try {
            return this.json.readTree(bytes);
        }
        catch (JacksonException ex) {
            return this.json.stringNode(new String(bytes, StandardCharsets.UTF_8));
        }
    }

    private StreamSeaException toException(int status, JsonNode answer, @Nullable String stream) {
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

    private JsonNode block(Mono<JsonNode> call) {
        JsonNode answer = call.block(this.blockTimeout);
        return (answer != null) ? answer : this.json.missingNode();
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

    @Override
    public String toString() {
        return "StreamSeaTemplate[" + this.settings + "]";
    }
}

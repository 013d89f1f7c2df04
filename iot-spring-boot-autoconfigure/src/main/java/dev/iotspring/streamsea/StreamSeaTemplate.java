package dev.iotspring.streamsea;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;

import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.MessageRejectedException;
import dev.iotspring.core.delivery.MessageSender;
import dev.iotspring.core.observation.IotObservations;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.MessageIds;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OutboundQueue;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.ResolvableType;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Publishes to stream-sea and manages stream schemas over its HTTP API ({@code /api/v1}, Basic auth), and
 * subscribes to streams over the one shared WebSocket of its {@link StreamSeaConnection}.
 *
 * <p>Publishing goes through an outbound queue and a core {@link Dispatcher}: {@link #publish} queues the
 * message and returns at once; the dispatcher POSTs it and removes it from the queue only when the server
 * answered 2xx. Connection failures, timeouts, 408, 429 and 5xx answers are retried with backoff, in order; other
 * 4xx answers (validation, authentication, forbidden, unknown stream) fail that message only, with a
 * {@link StreamSeaPublishRejectedException}. The dispatcher is a lifecycle bean of its
 * own in the delivery phase ({@link #getDispatcher()}): it drains the queue on shutdown.
 *
 * <p>Subscriptions are cold: each subscriber of a returned {@link Flux} is one subscription on the server,
 * sent when the connection is authenticated and again after every reconnect; cancelling the Flux forgets it
 * (stream-sea has no unsubscribe frame, so the server stops sending only when the socket is next replaced).
 * Deliveries are emitted on the connection's event loop: move slow work elsewhere with {@code publishOn}.
 * stream-sea has no flow control, so deliveries a subscriber has not requested yet are buffered (without
 * bound) rather than slowing down the shared socket.
 */
public class StreamSeaTemplate implements StreamSeaOperations, DisposableBean {

    /**
     * The platform id, as on every platform: health contributor, meter tag {@code platform}, core events, the
     * dispatcher's thread and the durable queue's SQLite file ({@code streamsea.db}).
     */
    public static final String PLATFORM = "streamsea";

    /**
     * Failures retrying cannot fix: the server refused this very request (4xx other than 408 Request Timeout and
     * 429 Too Many Requests). Everything else (no connection, timeouts, 5xx) is retried.
     */
    static final Predicate<Throwable> PERMANENT_ANSWER = (ex) -> {
        if (ex instanceof StreamSeaException failure) {
            int status = failure.getStatus();
            return status >= 400 && status < 500 && status != 408 && status != 429;
        }
        return false;
    };

    private static final Logger logger = LoggerFactory.getLogger(StreamSeaTemplate.class);

    private final StreamSeaClientSettings settings;

    private final StreamSeaConnection connection;

    private final JsonMapper json;

    private final StreamSeaHttpApi http;

    private final AtomicLong undecodable = new AtomicLong();

    private final OutboundQueue queue;

    private final Dispatcher dispatcher;

    private IotObservations observations = IotObservations.disabled();

    /**
     * A template whose publishes wait in an unbounded in-memory FIFO queue, one POST in flight at a time.
     */
    public StreamSeaTemplate(StreamSeaClientSettings settings, StreamSeaConnection connection, JsonMapper json,
            WebClient.Builder webClientBuilder) {
        this(settings, connection, json, webClientBuilder, InMemoryQueue.fifo(), (delivery) -> {
        });
    }

    /**
     * @param queue where publishes wait until the server acknowledged them (in memory or durable); the template
     *     closes it in {@link #destroy()}
     * @param delivery adjusts the dispatcher (in-flight window, backoff, drain timeout); it starts with a window
     *     of 1, the only one that keeps the queue's order on the server, as concurrent POSTs may be applied in
     *     any order
     */
    public StreamSeaTemplate(StreamSeaClientSettings settings, StreamSeaConnection connection, JsonMapper json,
            WebClient.Builder webClientBuilder, OutboundQueue queue, Consumer<Dispatcher.Builder> delivery) {
        this(settings, connection, json, webClientBuilder, queue, delivery, null);
    }

    /**
     * @param batching when set, consecutive publishes of one stream go out together as one JSON-array payload
     *     ({@link StreamSeaPublishBatching}); it sets the dispatcher's window after {@code delivery} ran
     */
    public StreamSeaTemplate(StreamSeaClientSettings settings, StreamSeaConnection connection, JsonMapper json,
            WebClient.Builder webClientBuilder, OutboundQueue queue, Consumer<Dispatcher.Builder> delivery,
            @Nullable StreamSeaPublishBatching batching) {
        this.settings = settings;
        this.connection = connection;
        this.json = json;
        this.http = new StreamSeaHttpApi(settings, json, webClientBuilder);
        this.queue = queue;
        MessageSender sender = (batching != null) ? new BatchPublishSender(batching, json, this::post)
                : new PublishSender();
        Dispatcher.Builder builder = Dispatcher.builder(PLATFORM, queue, sender)
            .window(1)
            .permanentFailure(MessageRejectedException.class::isInstance);
        delivery.accept(builder);
        if (batching != null) {
            builder.window(batching.dispatcherWindow());
        }
        this.dispatcher = builder.build();
    }

    /**
     * A template outside Spring: its own connection, a plain WebClient and an in-memory publish queue whose
     * dispatcher already runs (publishing works at once); call {@link #start()} to subscribe and
     * {@link #destroy()} to drain and close.
     */
    public static StreamSeaTemplate create(StreamSeaClientSettings settings) {
        JsonMapper json = JsonMapper.builder().build();
        StreamSeaTemplate template = new StreamSeaTemplate(settings, new StreamSeaConnection(settings, json), json,
                WebClient.builder());
        template.dispatcher.start();
        return template;
    }

    /**
     * Opens the WebSocket and starts delivering publishes (the auto-configuration leaves both to the
     * application's lifecycle).
     */
    public void start() {
        this.connection.start();
        this.dispatcher.start();
    }

    /**
     * Drains the publish queue (within the dispatcher's drain timeout; in a Spring context the dispatcher bean
     * drained already), closes the WebSocket, then the queue.
     */
    @Override
    public void destroy() {
        try {
            this.dispatcher.stop();
            this.connection.close();
        }
        finally {
            try {
                this.queue.close();
            }
            catch (RuntimeException ex) {
                logger.warn("Could not close the stream-sea publish queue: {}", ex.toString());
            }
        }
    }

    /** Delivers publishes; a {@code SmartLifecycle} in the delivery phase, registered as a bean by the auto-configuration. */
    public Dispatcher getDispatcher() {
        return this.dispatcher;
    }

    public StreamSeaConnection getConnection() {
        return this.connection;
    }

    public StreamSeaClientSettings getSettings() {
        return this.settings;
    }

    /** Observes publishes and deliveries when {@code iot.stream-sea.observation-enabled} (auto-configuration). */
    public void setObservations(IotObservations observations) {
        this.observations = Objects.requireNonNull(observations, "observations");
    }

    // ---- HTTP API ----------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<Void> publish(String stream, Object payload) {
        StreamSeaArgumentException.requireStream(stream);
        return this.observations.send("stream", stream, null, () -> publishUnobserved(stream, payload));
    }

    private CompletableFuture<Void> publishUnobserved(String stream, Object payload) {
        byte[] body;
        try {
            // Serialized once, straight to bytes (no tree in between); the envelope is added around them.
            body = PublishEnvelope.wrap(this.json.writeValueAsBytes(payload));
        }
        catch (JacksonException | IllegalArgumentException ex) {
            throw new StreamSeaArgumentException("payload", "cannot be written as JSON: " + ex.getMessage());
        }
        // Refused before it was queued (full, draining): thrown, the caller's error.
        return this.dispatcher.acceptAsync(OutboundMessage.of(MessageIds.next(), stream, body));
    }

    @Override
    public SchemaDefinition describeStream(String stream) {
        return block(describeStreamMono(stream));
    }

    @Override
    public CompletableFuture<SchemaDefinition> describeStreamAsync(String stream) {
        return describeStreamMono(stream).toFuture();
    }

    @Override
    public void defineStream(SchemaDefinition schema) {
        defineStreamMono(schema).block(this.http.blockTimeout());
    }

    @Override
    public CompletableFuture<Void> defineStreamAsync(SchemaDefinition schema) {
        return defineStreamMono(schema).toFuture();
    }

    @Override
    public List<Optional<Integer>> getSchemaVersionsVector(List<String> streams) {
        return block(versionsMono(streams));
    }

    @Override
    public CompletableFuture<List<Optional<Integer>>> getSchemaVersionsVectorAsync(List<String> streams) {
        return versionsMono(streams).toFuture();
    }

    private Mono<SchemaDefinition> describeStreamMono(String stream) {
        StreamSeaArgumentException.requireStream(stream);
        return this.http.describe(stream);
    }

    private Mono<Void> defineStreamMono(SchemaDefinition schema) {
        if (schema == null) {
            throw new StreamSeaArgumentException("schema", "must not be null");
        }
        return this.http.define(schema);
    }

    private Mono<List<Optional<Integer>>> versionsMono(List<String> streams) {
        if (streams == null) {
            throw new StreamSeaArgumentException("streams", "must not be null");
        }
        streams.forEach(StreamSeaArgumentException::requireStream);
        return this.http.versionsVector(List.copyOf(streams));
    }

    private <T> T block(Mono<T> call) {
        T answer = call.block(this.http.blockTimeout());
        if (answer == null) {
            throw new StreamSeaException("stream-sea sent no answer");
        }
        return answer;
    }

    // ---- WebSocket subscriptions -------------------------------------------------------------------------

    @Override
    public <T> Flux<T> subscribe(String stream, Class<T> payloadType) {
        StreamSeaArgumentException.requireStream(stream);
        return decode(this.connection.subscribe(stream, new GroupMode.ServerDefault()), stream, payloadType);
    }

    @Override
    public <T> Flux<T> subscribe(String stream, UUID groupId, Class<T> payloadType) {
        StreamSeaArgumentException.requireStream(stream);
        if (groupId == null) {
            throw new StreamSeaArgumentException("groupId", "must not be null (use subscribe(stream, type) for the "
                    + "server's default group)");
        }
        return decode(this.connection.subscribe(stream, new GroupMode.Fixed(groupId)), stream, payloadType);
    }

    @Override
    public <T> Flux<T> subscribeFanout(String stream, Class<T> payloadType) {
        StreamSeaArgumentException.requireStream(stream);
        return decode(this.connection.subscribe(stream, new GroupMode.Fanout()), stream, payloadType);
    }

    @Override
    public Flux<StreamSeaException> connectionErrors() {
        return this.connection.errors();
    }

    @Override
    public StreamSeaConnectionState connectionState() {
        return this.connection.state();
    }

    // ---- state ---------------------------------------------------------------------------------------------

    @Override
    public boolean isConnected() {
        return this.connection.state().connected();
    }

    @Override
    public int pendingMessages() {
        return this.dispatcher.getQueue().size();
    }

    @Override
    public long droppedMessages() {
        return this.dispatcher.getQueue().droppedCount();
    }

    @Override
    public long publishedMessages() {
        return this.dispatcher.sentCount();
    }

    @Override
    public long rejectedMessages() {
        return this.dispatcher.failedCount();
    }

    @Override
    public long undecodableDeliveries() {
        return this.undecodable.get();
    }

    @Override
    public boolean flush(Duration timeout) {
        return this.dispatcher.flush(timeout);
    }

    <T> T convert(JsonNode payload, Class<T> type) {
        return this.json.treeToValue(payload, type);
    }

    Object convert(JsonNode payload, Type type) {
        return this.json.treeToValue(payload, this.json.constructType(type));
    }

    /**
     * The messages of one delivery: a batch (a JSON-array payload, see {@link StreamSeaPublishBatching}) is opened
     * into its elements, unless the subscriber reads arrays or collections.
     */
    static List<JsonNode> messages(JsonNode payload, Type type) {
        if (!payload.isArray() || readsArrays(type)) {
            return List.of(payload);
        }
        List<JsonNode> messages = new ArrayList<>(payload.size());
        payload.forEach(messages::add);
        return messages;
    }

    private static boolean readsArrays(Type type) {
        Class<?> raw = ResolvableType.forType(type).toClass();
        return raw.isArray() || Collection.class.isAssignableFrom(raw) || ArrayNode.class.isAssignableFrom(raw);
    }

    /** Messages for the listener registry, batches opened by the listener's parameter type; observed like subscribe's. */
    Flux<JsonNode> deliveries(String stream, GroupMode mode, Type type) {
        return this.observations.receive(
                this.connection.subscribe(stream, mode).concatMapIterable((payload) -> messages(payload, type)),
                "stream", (t) -> stream, (t) -> null);
    }

    private <T> Flux<T> decode(Flux<JsonNode> deliveries, String stream, Class<T> type) {
        return this.observations.receive(decodeUnobserved(deliveries, stream, type), "stream", (t) -> stream,
                (t) -> null);
    }

    private <T> Flux<T> decodeUnobserved(Flux<JsonNode> deliveries, String stream, Class<T> type) {
        return deliveries.concatMapIterable((payload) -> messages(payload, type)).handle((payload, sink) -> {
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

    /** POSTs one publish request; a rejection for good fails it with a {@link StreamSeaPublishRejectedException}. */
    private CompletableFuture<Void> post(String stream, byte[] body) {
        return this.http.publish(stream, body)
            .onErrorMap(PERMANENT_ANSWER, (ex) -> new StreamSeaPublishRejectedException(stream,
                    (StreamSeaException) ex))
            .toFuture();
    }

    /** POSTs queued publishes one per request; a message is acknowledged by the server's 2xx. */
    private final class PublishSender implements MessageSender {

        @Override
        public CompletableFuture<Void> send(OutboundMessage message) {
            return post(message.destination(), message.payload());
        }

        /** HTTP has no connection to wait for: failures show per request and are retried with backoff. */
        @Override
        public boolean isReady() {
            return true;
        }

        /** Responses complete on the HTTP client's event loop, which must not wait for a commit or a callback. */
        @Override
        public boolean settlesOnCompletingThread() {
            return false;
        }
    }

    @Override
    public String toString() {
        return "StreamSeaTemplate[" + this.settings + "]";
    }
}

package dev.iotspring.streamsea;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import reactor.core.publisher.Flux;

import dev.iotspring.core.delivery.DeliveryClosedException;
import dev.iotspring.core.delivery.MessageDroppedException;
import dev.iotspring.core.queue.QueueFullException;

/**
 * What an application does with stream-sea: publish through a queue, manage schemas, subscribe to streams.
 * {@link StreamSeaTemplate} implements it; stub this interface in an application's own tests (the
 * auto-configuration backs off when a bean of this type exists).
 *
 * <p>Caller errors are thrown at once and nothing is queued: an invalid argument
 * ({@link StreamSeaArgumentException}, naming the field), a full queue under {@code raise-exception}
 * ({@link QueueFullException}), a publish once the shutdown drain started ({@link DeliveryClosedException}).
 * Delivery outcomes fail the returned future.
 */
public interface StreamSeaOperations {

    /**
     * Queues {@code POST /streams/{stream}/publish} with {@code {"payload": payload}} and returns at once. The
     * payload is any object Jackson can write (or a {@code JsonNode}); it is serialized now, so later changes to
     * it are not sent. Messages reach the server in the order they were published, also across outages.
     *
     * <p>With batch publishing on ({@link StreamSeaPublishBatching}, {@code iot.stream-sea.batch.*}) consecutive
     * publishes of one stream share a request, and the answer to that request completes each of their futures.
     *
     * <p>The future completes when the server answered 2xx. It fails with
     * <ul>
     * <li>{@link StreamSeaPublishRejectedException} when the server refused the message for good (a 4xx other
     * than 408 and 429; its cause is the typed answer): that message is not retried, the ones after it go on;</li>
     * <li>{@link MessageDroppedException} when the queue's overflow rule dropped it;</li>
     * <li>{@link DeliveryClosedException} when the application stopped before the server acknowledged it (a
     * durable queue sends it after the next start).</li>
     * </ul>
     * Connection failures, timeouts, 408, 429 and 5xx answers never fail the future: the message is retried with
     * backoff. The future completes on the dispatcher's thread or on an application thread that was publishing
     * (never on the HTTP client's event loop; see {@link dev.iotspring.core.delivery.DeliveryListener}): chain
     * blocking work with the {@code *Async} methods.
     * @throws StreamSeaArgumentException when {@code stream} is blank or the payload cannot be written as JSON
     * @throws QueueFullException when the queue is full and its overflow rule is raise-exception
     * @throws DeliveryClosedException once the shutdown drain started
     */
    CompletableFuture<Void> publish(String stream, Object payload);

    /** {@code GET /streams/{stream}/schema}: the stream's current schema; blocks for the answer. */
    SchemaDefinition describeStream(String stream);

    /** {@link #describeStream} without blocking; the future fails with the same typed exceptions. */
    CompletableFuture<SchemaDefinition> describeStreamAsync(String stream);

    /**
     * {@code POST /streams/{name}/define} with {@code {"version","fields"}}; blocks for the answer. Defining the
     * stored version again with equal fields succeeds; a lower version fails with
     * {@link StreamSeaSchemaDowngradeException}, the same version with other fields with
     * {@link StreamSeaValidationException}.
     */
    void defineStream(SchemaDefinition schema);

    /** {@link #defineStream} without blocking. */
    CompletableFuture<Void> defineStreamAsync(SchemaDefinition schema);

    /**
     * {@code POST /schema-versions-vector}: the current version of each stream, in order, empty for a stream the
     * server does not know; blocks for the answer.
     */
    List<Optional<Integer>> getSchemaVersionsVector(List<String> streams);

    /** {@link #getSchemaVersionsVector} without blocking. */
    CompletableFuture<List<Optional<Integer>>> getSchemaVersionsVectorAsync(List<String> streams);

    /**
     * Subscribes without a {@code groupId}: the server's default group, shared by instances of this client. A
     * delivery whose payload is a JSON array (a batch) is handed over one element at a time, unless
     * {@code payloadType} is an array, a {@code Collection} or an {@code ArrayNode}; the same holds for the other
     * subscribe methods and {@code @StreamSeaListener} methods.
     */
    <T> Flux<T> subscribe(String stream, Class<T> payloadType);

    /**
     * Subscribes as a member of a consumer group: every message reaches exactly one member. The same UUID is
     * sent on every reconnect, so all instances configured with it keep sharing the stream.
     */
    <T> Flux<T> subscribe(String stream, UUID groupId, Class<T> payloadType);

    /** Subscribes with a fresh UUID per subscribe frame: this subscriber receives every message. */
    <T> Flux<T> subscribeFanout(String stream, Class<T> payloadType);

    /** Connection failures as they happen (authentication refused, socket errors, refused subscriptions). */
    Flux<StreamSeaException> connectionErrors();

    /** A snapshot of the shared WebSocket, for health and diagnostics. */
    StreamSeaConnectionState connectionState();

    /** Whether the WebSocket is open and authenticated. */
    boolean isConnected();

    /** Publishes accepted and not yet acknowledged by the server (queued plus in flight). */
    int pendingMessages();

    /** Publishes the queue's overflow rule discarded since the queue was created or opened. */
    long droppedMessages();

    /** Publishes the server acknowledged (2xx). */
    long publishedMessages();

    /** Publishes the server refused for good (4xx other than 408 and 429); they are not retried. */
    long rejectedMessages();

    /** Deliveries skipped because they could not be read as the subscriber's payload type. */
    long undecodableDeliveries();

    /**
     * Waits until every accepted publish was acknowledged, or the timeout passed.
     * @return true when nothing is pending any more; false on timeout or when the waiting thread was interrupted
     *     (its interrupt flag is then set again)
     */
    boolean flush(Duration timeout);
}

package dev.iotspring.spotflow;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Sends stream messages to the Spotflow IoT Platform through a durable SQLite queue: every message is committed
 * to the {@code spotflow} store before a call returns, survives restarts, and leaves the queue only when the
 * platform acknowledged it (one message in flight, each acknowledgement matched to its own row). Payloads above
 * 250,000 bytes (after compression) go through IoT Hub file upload.
 *
 * <p>Caller errors throw at once and queue nothing: {@link SpotflowValidationException} (an empty id,
 * compression without the Brotli library), {@code QueueFullException} (a bounded
 * queue under {@code raise-exception}), {@code DeliveryClosedException} (the application is stopping).
 */
public interface SpotflowSender {

    /**
     * Queues a message and blocks until it (and so every message queued before it) was acknowledged.
     * @throws SpotflowSendTimeoutException when that took longer than {@code iot.spotflow.send-timeout} (30 s by
     * default), e.g. while the platform is unreachable; the message stays queued and is sent later
     */
    void sendMessage(byte[] payload);

    /** {@link #sendMessage(byte[])} with options. */
    void sendMessage(byte[] payload, MessageOptions options);

    /** {@link #sendMessage(byte[])} of the UTF-8 bytes of a text. */
    void sendMessage(String payload);

    /**
     * Queues a message and returns once its row is committed, without waiting for the platform.
     * Caller errors are thrown at once and nothing is queued, as for {@link #enqueueMessage(byte[], MessageOptions)}.
     * @return completes when the platform acknowledged the message; fails with a {@code MessageDroppedException}
     * when the queue's overflow rule discarded it, or a {@code DeliveryClosedException} when the application stopped
     * first (the row stays and is sent after the next start)
     */
    CompletableFuture<Void> sendMessageAsync(byte[] payload, MessageOptions options);

    /** Queues a message; returns once its row is committed to the store. */
    void enqueueMessage(byte[] payload);

    /** {@link #enqueueMessage(byte[])} with options. */
    void enqueueMessage(byte[] payload, MessageOptions options);

    /** {@link #enqueueMessage(byte[])} of the UTF-8 bytes of a text. */
    void enqueueMessage(String payload);

    /** Queues the completion of a batch of this sender's stream. */
    void enqueueBatchCompletion(String batchId);

    /** Queues the completion of a batch; stream group and stream from {@code options} (ids there are ignored). */
    void enqueueBatchCompletion(String batchId, MessageOptions options);

    /** Queues the completion of a message sent in chunks, in this sender's stream. */
    void enqueueMessageCompletion(String batchId, String messageId);

    /** Queues the completion of a chunked message; stream group and stream from {@code options}. */
    void enqueueMessageCompletion(String batchId, String messageId, MessageOptions options);

    /** A sender on the same queue whose messages go to another stream by default. */
    SpotflowSender forStream(String streamGroup, String stream);

    /** Messages queued and not acknowledged yet, the one in flight and completions included. */
    long pendingMessagesCount();

    /**
     * Waits until the queue is empty (messages queued meanwhile by other threads are waited for too).
     * @return whether it became empty in time
     */
    boolean waitEnqueuedMessagesSent(Duration timeout);

    /** Connected to the hub with the twin fetched: messages are moving. */
    boolean isConnected();

    /** The same as {@link #pendingMessagesCount()}, under the name every platform's bean uses. */
    default long pendingMessages() {
        return pendingMessagesCount();
    }

    /** Messages discarded by the queue's overflow rule since start (0 unless {@code queue.max-size} is set). */
    long droppedMessages();

    /** The same as {@link #waitEnqueuedMessagesSent(Duration)}, under the name every platform's bean uses. */
    default boolean flush(Duration timeout) {
        return waitEnqueuedMessagesSent(timeout);
    }
}

package dev.iotspring.spotflow;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.observation.IotObservations;
import dev.iotspring.core.queue.DeferredOutboundQueue;
import dev.iotspring.core.queue.MessageIds;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.spotflow.SpotflowTopics.Close;

/**
 * {@link SpotflowSender} over a {@link Dispatcher} with the durable queue of the {@code spotflow} store. A row
 * holds the wire payload (compressed at enqueue time, so the limit is checked before anything is queued) and the
 * topic's property bag; the device part of the topic is added at send time, so rows survive a re-provisioning
 * under another device id. The dispatcher has a window of one and removes exactly the row whose publish was
 * acknowledged.
 */
public final class DefaultSpotflowSender implements SpotflowSender {

    private final Dispatcher dispatcher;

    private final SpotflowHub hub;

    private final @Nullable String defaultGroup;

    private final @Nullable String defaultStream;

    private final Compression defaultCompression;

    private final Duration sendTimeout;

    private IotObservations observations = IotObservations.disabled();

    /**
     * @param dispatcher over the durable {@code messages} queue of the {@code spotflow} store and
     * {@link SpotflowHub#streamSender()}, window 1
     * @param sendTimeout how long {@link #sendMessage} waits for the acknowledgement
     */
    public DefaultSpotflowSender(Dispatcher dispatcher, SpotflowHub hub, @Nullable String defaultGroup,
            @Nullable String defaultStream, Compression defaultCompression, Duration sendTimeout) {
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.hub = Objects.requireNonNull(hub, "hub");
        this.defaultGroup = defaultGroup;
        this.defaultStream = defaultStream;
        this.defaultCompression = Objects.requireNonNull(defaultCompression, "defaultCompression");
        this.sendTimeout = Objects.requireNonNull(sendTimeout, "sendTimeout");
    }

    @Override
    public void sendMessage(byte[] payload) {
        sendMessage(payload, MessageOptions.defaults());
    }

    @Override
    public void sendMessage(byte[] payload, MessageOptions options) {
        CompletableFuture<Void> acked = sendMessageAsync(payload, options);
        try {
            acked.get(this.sendTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (TimeoutException ex) {
            throw new SpotflowSendTimeoutException(this.sendTimeout, pendingMessagesCount());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Spotflow to acknowledge the message "
                    + "(it stays queued)", ex);
        }
        catch (ExecutionException ex) {
            if (ex.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(ex.getCause());
        }
    }

    @Override
    public CompletableFuture<Void> sendMessageAsync(byte[] payload, MessageOptions options) {
        MessageOptions target = Objects.requireNonNull(options, "options")
            .orDefaults(this.defaultGroup, this.defaultStream, this.defaultCompression);
        return this.observations.send("stream", target.streamGroup() + "/" + target.stream(), target.messageId(),
                () -> this.dispatcher.acceptAsync(message(payload, options, Close.NONE)));
    }

    @Override
    public void sendMessage(String payload) {
        sendMessage(utf8(payload));
    }

    @Override
    public void enqueueMessage(byte[] payload) {
        enqueueMessage(payload, MessageOptions.defaults());
    }

    @Override
    public void enqueueMessage(byte[] payload, MessageOptions options) {
        this.dispatcher.send(message(payload, options, Close.NONE));
    }

    @Override
    public void enqueueMessage(String payload) {
        enqueueMessage(utf8(payload));
    }

    @Override
    public void enqueueBatchCompletion(String batchId) {
        enqueueBatchCompletion(batchId, MessageOptions.defaults());
    }

    @Override
    public void enqueueBatchCompletion(String batchId, MessageOptions options) {
        requireId(batchId, "batchId");
        MessageOptions completion = streamOnly(options).batchId(batchId).build();
        this.dispatcher.send(message(new byte[0], completion, Close.BATCH));
    }

    @Override
    public void enqueueMessageCompletion(String batchId, String messageId) {
        enqueueMessageCompletion(batchId, messageId, MessageOptions.defaults());
    }

    @Override
    public void enqueueMessageCompletion(String batchId, String messageId, MessageOptions options) {
        requireId(batchId, "batchId");
        requireId(messageId, "messageId");
        MessageOptions completion = streamOnly(options).batchId(batchId).messageId(messageId).build();
        this.dispatcher.send(message(new byte[0], completion, Close.MESSAGE));
    }

    @Override
    public SpotflowSender forStream(String streamGroup, String stream) {
        requireId(streamGroup, "streamGroup");
        requireId(stream, "stream");
        DefaultSpotflowSender sender = new DefaultSpotflowSender(this.dispatcher, this.hub, streamGroup, stream,
                this.defaultCompression, this.sendTimeout);
        sender.observations = this.observations;
        return sender;
    }

    /** Observes {@code sendMessage(Async)} (call to acknowledgement) when {@code iot.spotflow.observation-enabled}. */
    public void setObservations(IotObservations observations) {
        this.observations = Objects.requireNonNull(observations, "observations");
    }

    @Override
    public long pendingMessagesCount() {
        return this.dispatcher.getQueue().size();
    }

    @Override
    public boolean waitEnqueuedMessagesSent(Duration timeout) {
        try {
            return this.dispatcher.awaitDrained(timeout);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public boolean isConnected() {
        return this.hub.isReady();
    }

    @Override
    public long droppedMessages() {
        return this.dispatcher.droppedCount();
    }

    private OutboundMessage message(byte[] payload, MessageOptions options, Close close) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(options, "options");
        MessageOptions merged = options.orDefaults(this.defaultGroup, this.defaultStream, this.defaultCompression);
        SpotflowPayloads.Prepared wire = (close == Close.NONE)
                ? SpotflowPayloads.prepare(payload, merged.compression())
                : new SpotflowPayloads.Prepared(payload, false);
        String bag = SpotflowTopics.propertyBag(merged, wire.brotli(), wire.externalized(), close);
        return new OutboundMessage(MessageIds.next(), bag, wire.bytes(), 1, false, Instant.now());
    }

    /** Stream group and stream of {@code options}; completions carry no other id than their own. */
    private static MessageOptions.Builder streamOnly(MessageOptions options) {
        return MessageOptions.builder().streamGroup(options.streamGroup()).stream(options.stream())
            .compression(Compression.UNCOMPRESSED);
    }

    private static void requireId(@Nullable String value, String field) {
        if (value == null || value.isEmpty()) {
            throw new SpotflowValidationException(field, "is required");
        }
    }

    private static byte[] utf8(String payload) {
        return Objects.requireNonNull(payload, "payload").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "SpotflowSender[streamGroup=" + this.defaultGroup + ", stream=" + this.defaultStream + ", pending="
                + pendingForToString() + "]";
    }

    /** Never waits for (or throws from) a store still opening or that could not be opened. */
    private String pendingForToString() {
        if (this.dispatcher.getQueue() instanceof DeferredOutboundQueue deferred && !deferred.isOpened()) {
            return "(store opening)";
        }
        try {
            return String.valueOf(pendingMessagesCount());
        }
        catch (RuntimeException ex) {
            return "(unavailable)";
        }
    }
}

package dev.iotspring.integration;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.iotspring.streamsea.StreamSeaOperations;

import org.springframework.messaging.Message;

/**
 * Publishes each payload to a stream-sea stream through {@link StreamSeaOperations#publish(String, Object)}: the
 * payload is any object Jackson writes (or a {@code JsonNode}); the stream comes from the handler's settings or the
 * {@link IotHeaders#STREAMSEA_STREAM} header. A message the server refuses for good (4xx) reaches the error channel
 * with the {@code StreamSeaPublishRejectedException} as cause; the messages after it go on. The output, on the
 * server's 2xx, carries the original payload.
 */
public class StreamSeaMessageHandler extends IotMessageHandler<Void> {

    private final StreamSeaOperations operations;

    private Function<Message<?>, @Nullable String> stream = header(IotHeaders.STREAMSEA_STREAM, String.class);

    public StreamSeaMessageHandler(StreamSeaOperations operations) {
        this.operations = Objects.requireNonNull(operations, "operations");
    }

    /** The stream of messages without a {@link IotHeaders#STREAMSEA_STREAM} header. */
    public void setStream(String stream) {
        this.stream = headerOr(IotHeaders.STREAMSEA_STREAM, String.class, stream);
    }

    /** Computes the stream from each message (the header is then not read). */
    public void setStreamFunction(Function<Message<?>, @Nullable String> stream) {
        this.stream = Objects.requireNonNull(stream, "stream");
    }

    @Override
    protected String platform() {
        return "streamsea";
    }

    @Override
    protected CompletableFuture<Void> send(Message<?> message) {
        return this.operations.publish(required(this.stream, message, IotHeaders.STREAMSEA_STREAM),
                message.getPayload());
    }
}

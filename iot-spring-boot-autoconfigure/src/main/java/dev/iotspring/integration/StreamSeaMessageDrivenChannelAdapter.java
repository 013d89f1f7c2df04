package dev.iotspring.integration;

import java.util.Objects;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

import dev.iotspring.core.config.IotValidationException;
import dev.iotspring.streamsea.StreamSeaOperations;

import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;

/**
 * Subscribes to a stream-sea stream while running and sends each delivery to the output channel: payload read as
 * the payload type ({@link JsonNode} by default), header {@link IotHeaders#STREAMSEA_STREAM} and, in a consumer
 * group, {@link IotHeaders#STREAMSEA_GROUP}. Without a group the subscription joins the server's default group;
 * with {@link #setFanout(boolean) fan-out} it receives every message. The subscription lives on the template's
 * shared WebSocket and is restored after reconnects, as for {@code StreamSeaOperations.subscribe}. See
 * {@link IotMessageDrivenChannelAdapter} for what happens when the output channel is slow.
 */
public class StreamSeaMessageDrivenChannelAdapter extends IotMessageDrivenChannelAdapter<Object> {

    private final StreamSeaOperations operations;

    private final String stream;

    private @Nullable UUID group;

    private boolean fanout;

    private Class<?> payloadType = JsonNode.class;

    public StreamSeaMessageDrivenChannelAdapter(StreamSeaOperations operations, String stream) {
        this.operations = Objects.requireNonNull(operations, "operations");
        Objects.requireNonNull(stream, "stream");
        if (stream.isBlank()) {
            throw new IotValidationException("stream", "must not be blank");
        }
        this.stream = stream;
    }

    /** Joins this consumer group: each message reaches one member of the group. */
    public void setGroup(@Nullable UUID group) {
        this.group = group;
    }

    /** Receives every message of the stream (a fresh group of one); excludes {@link #setGroup}. */
    public void setFanout(boolean fanout) {
        this.fanout = fanout;
    }

    /** What to read each delivery's payload as ({@link JsonNode} by default). */
    public void setPayloadType(Class<?> payloadType) {
        this.payloadType = Objects.requireNonNull(payloadType, "payloadType");
    }

    @Override
    protected void onInit() {
        super.onInit();
        if (this.fanout && this.group != null) {
            throw new IotValidationException("group", "cannot be combined with fan-out (stream '" + this.stream
                    + "'): fan-out receives every message, a group shares them");
        }
    }

    @Override
    protected String platform() {
        return "streamsea";
    }

    @Override
    protected Flux<Object> source() {
        Class<Object> type = cast(this.payloadType);
        if (this.fanout) {
            return this.operations.subscribeFanout(this.stream, type);
        }
        UUID current = this.group;
        return (current != null) ? this.operations.subscribe(this.stream, current, type)
                : this.operations.subscribe(this.stream, type);
    }

    @Override
    protected Message<?> toMessage(Object payload) {
        return MessageBuilder.withPayload(payload)
            .setHeader(IotHeaders.STREAMSEA_STREAM, this.stream)
            .setHeader(IotHeaders.STREAMSEA_GROUP, this.group)
            .build();
    }

    @SuppressWarnings("unchecked")
    private static Class<Object> cast(Class<?> type) {
        return (Class<Object>) type;
    }
}

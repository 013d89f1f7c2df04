package dev.iotspring.integration;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import dev.iotspring.core.config.IotValidationException;
import dev.iotspring.spotflow.MessageOptions;
import dev.iotspring.spotflow.SpotflowSender;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;

/**
 * Sends each payload ({@code byte[]}, or a {@code String} as its UTF-8 bytes) as a Spotflow stream message through
 * {@link SpotflowSender#sendMessageAsync}: committed to the durable queue before the handler returns, acknowledged
 * one at a time in order. Stream group, stream and the batch, batch slice, message and chunk ids come from the
 * {@code iot_spotflow_*} headers of {@link IotHeaders}; without them, from the handler's stream or the sender's
 * defaults. The output carries the original payload.
 */
public class SpotflowMessageHandler extends IotMessageHandler<Void> {

    private final SpotflowSender sender;

    private MessageOptions defaults = MessageOptions.defaults();

    public SpotflowMessageHandler(SpotflowSender sender) {
        this.sender = Objects.requireNonNull(sender, "sender");
    }

    /** Stream group and stream of messages without {@code iot_spotflow_streamGroup}/{@code _stream} headers. */
    public void setStream(String streamGroup, String stream) {
        this.defaults = MessageOptions.builder().streamGroup(streamGroup).stream(stream).build();
    }

    @Override
    protected String platform() {
        return "spotflow";
    }

    @Override
    protected CompletableFuture<Void> send(Message<?> message) {
        return this.sender.sendMessageAsync(bytes(message.getPayload()), options(message.getHeaders()));
    }

    private MessageOptions options(MessageHeaders headers) {
        String group = headers.get(IotHeaders.SPOTFLOW_STREAM_GROUP, String.class);
        String stream = headers.get(IotHeaders.SPOTFLOW_STREAM, String.class);
        MessageOptions.Builder options = (group == null && stream == null) ? this.defaults.toBuilder()
                : MessageOptions.builder().streamGroup(group).stream(stream);
        return options.batchId(headers.get(IotHeaders.SPOTFLOW_BATCH_ID, String.class))
            .batchSliceId(headers.get(IotHeaders.SPOTFLOW_BATCH_SLICE_ID, String.class))
            .messageId(headers.get(IotHeaders.SPOTFLOW_MESSAGE_ID, String.class))
            .chunkId(headers.get(IotHeaders.SPOTFLOW_CHUNK_ID, String.class))
            .build();
    }

    private static byte[] bytes(Object payload) {
        if (payload instanceof byte[] bytes) {
            return bytes;
        }
        if (payload instanceof String text) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        throw new IotValidationException("payload", "must be a byte[] or a String for Spotflow, was "
                + payload.getClass().getName() + " (serialize it first, e.g. with a transformer)");
    }
}

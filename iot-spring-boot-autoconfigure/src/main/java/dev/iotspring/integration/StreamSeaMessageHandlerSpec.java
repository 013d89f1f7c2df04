package dev.iotspring.integration;

import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.iotspring.streamsea.StreamSeaOperations;

import org.springframework.messaging.Message;

/** Builds a {@link StreamSeaMessageHandler}; start with {@link IotIntegration#streamSea}. */
public class StreamSeaMessageHandlerSpec extends IotMessageHandlerSpec<StreamSeaMessageHandlerSpec, StreamSeaMessageHandler> {

    protected StreamSeaMessageHandlerSpec(StreamSeaOperations operations) {
        super(new StreamSeaMessageHandler(operations));
    }

    /** The stream of messages without a {@link IotHeaders#STREAMSEA_STREAM} header. */
    public StreamSeaMessageHandlerSpec stream(String stream) {
        this.target.setStream(stream);
        return this;
    }

    /** The stream computed from each message. */
    public StreamSeaMessageHandlerSpec stream(Function<Message<?>, @Nullable String> stream) {
        this.target.setStreamFunction(stream);
        return this;
    }
}

package dev.iotspring.integration;

import java.util.UUID;

import dev.iotspring.streamsea.StreamSeaOperations;

/** Builds a {@link StreamSeaMessageDrivenChannelAdapter}; start with {@link IotIntegration#streamSeaInbound}. */
public class StreamSeaInboundChannelAdapterSpec
        extends IotInboundChannelAdapterSpec<StreamSeaInboundChannelAdapterSpec, StreamSeaMessageDrivenChannelAdapter> {

    protected StreamSeaInboundChannelAdapterSpec(StreamSeaOperations operations, String stream) {
        super(new StreamSeaMessageDrivenChannelAdapter(operations, stream));
    }

    /** Joins this consumer group: each message reaches one member. */
    public StreamSeaInboundChannelAdapterSpec group(UUID group) {
        this.target.setGroup(group);
        return this;
    }

    /** Receives every message of the stream. */
    public StreamSeaInboundChannelAdapterSpec fanout() {
        this.target.setFanout(true);
        return this;
    }

    /** What to read each payload as ({@code JsonNode} by default). */
    public StreamSeaInboundChannelAdapterSpec payloadType(Class<?> payloadType) {
        this.target.setPayloadType(payloadType);
        return this;
    }
}

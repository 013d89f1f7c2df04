package dev.iotspring.integration;

import dev.iotspring.astarte.AstarteDevice;
import dev.iotspring.spotflow.SpotflowSender;
import dev.iotspring.stellanow.StellaNowOperations;
import dev.iotspring.stellmap.StellMapRegistry;
import dev.iotspring.stellmap.WatchOptions;
import dev.iotspring.streamsea.StreamSeaOperations;

/**
 * Java DSL entry points for the platforms' channel adapters, over the beans the starter configures:
 *
 * <pre>{@code
 * @Bean
 * IntegrationFlow receipts(StellaNowOperations stellaNow) {
 *     return IntegrationFlow.from("receipts")
 *         .handle(IotIntegration.stellaNow(stellaNow).eventType("store_receipt"))
 *         .get();
 * }
 *
 * @Bean
 * IntegrationFlow readings(StreamSeaOperations streamSea) {
 *     return IntegrationFlow.from(IotIntegration.streamSeaInbound(streamSea, "readings").payloadType(Reading.class))
 *         .handle(Reading.class, (reading, headers) -> ...)
 *         .get();
 * }
 * }</pre>
 */
public final class IotIntegration {

    private IotIntegration() {
    }

    /** Sends each message as a StellaNow event. */
    public static StellaNowMessageHandlerSpec stellaNow(StellaNowOperations operations) {
        return new StellaNowMessageHandlerSpec(operations);
    }

    /** Publishes each payload to a stream-sea stream. */
    public static StreamSeaMessageHandlerSpec streamSea(StreamSeaOperations operations) {
        return new StreamSeaMessageHandlerSpec(operations);
    }

    /** Sends each payload on an Astarte interface of the device. */
    public static AstarteMessageHandlerSpec astarte(AstarteDevice device) {
        return new AstarteMessageHandlerSpec(device);
    }

    /** Sends each payload as a Spotflow stream message. */
    public static SpotflowMessageHandlerSpec spotflow(SpotflowSender sender) {
        return new SpotflowMessageHandlerSpec(sender);
    }

    /** Receives the messages of a stream-sea stream. */
    public static StreamSeaInboundChannelAdapterSpec streamSeaInbound(StreamSeaOperations operations, String stream) {
        return new StreamSeaInboundChannelAdapterSpec(operations, stream);
    }

    /** Receives what Astarte writes to the device's server-owned interfaces. */
    public static AstarteInboundChannelAdapterSpec astarteInbound(AstarteDevice device) {
        return new AstarteInboundChannelAdapterSpec(device);
    }

    /** Receives the changes of a StellMap watch. */
    public static StellMapWatchInboundChannelAdapterSpec stellMapWatch(StellMapRegistry registry, WatchOptions options) {
        return new StellMapWatchInboundChannelAdapterSpec(registry, options);
    }
}

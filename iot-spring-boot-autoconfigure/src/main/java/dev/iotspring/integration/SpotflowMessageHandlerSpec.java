package dev.iotspring.integration;

import dev.iotspring.spotflow.SpotflowSender;

/** Builds a {@link SpotflowMessageHandler}; start with {@link IotIntegration#spotflow}. */
public class SpotflowMessageHandlerSpec extends IotMessageHandlerSpec<SpotflowMessageHandlerSpec, SpotflowMessageHandler> {

    protected SpotflowMessageHandlerSpec(SpotflowSender sender) {
        super(new SpotflowMessageHandler(sender));
    }

    /** Stream group and stream of messages without Spotflow stream headers (the sender's defaults otherwise). */
    public SpotflowMessageHandlerSpec stream(String streamGroup, String stream) {
        this.target.setStream(streamGroup, stream);
        return this;
    }
}

package dev.iotspring.core.observation;

import org.jspecify.annotations.Nullable;

/** A message sent or published: observed from the call to the platform's acknowledgement. */
public class IotSendContext extends IotMessageContext {

    public IotSendContext(String platform, String destinationKind, String destination, @Nullable String messageId) {
        super(platform, destinationKind, destination, messageId);
    }
}

package dev.iotspring.core.observation;

import org.jspecify.annotations.Nullable;

/** A message the platform delivered to the application: observed while the application's handler runs. */
public class IotReceiveContext extends IotMessageContext {

    public IotReceiveContext(String platform, String destinationKind, String destination,
            @Nullable String messageId) {
        super(platform, destinationKind, destination, messageId);
    }
}

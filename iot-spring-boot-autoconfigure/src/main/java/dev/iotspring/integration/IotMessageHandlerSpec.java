package dev.iotspring.integration;

import java.time.Duration;

import org.springframework.integration.dsl.MessageHandlerSpec;

/**
 * What every outbound handler spec of {@link IotIntegration} can set: async or sync mode and the sync timeout
 * (see {@link IotMessageHandler}). The output channel is the flow's next element, as for any handler.
 *
 * @param <S> the spec's own type
 * @param <H> the handler
 */
public abstract class IotMessageHandlerSpec<S extends IotMessageHandlerSpec<S, H>, H extends IotMessageHandler<?>>
        extends MessageHandlerSpec<S, H> {

    protected IotMessageHandlerSpec(H handler) {
        this.target = handler;
    }

    /** True (the default): return once queued, outcome to the output or error channel; false: wait for the ack. */
    public S async(boolean async) {
        this.target.setAsync(async);
        return _this();
    }

    /** How long sync mode waits for the acknowledgement (30 s by default). */
    public S syncTimeout(Duration timeout) {
        this.target.setSyncTimeout(timeout);
        return _this();
    }
}

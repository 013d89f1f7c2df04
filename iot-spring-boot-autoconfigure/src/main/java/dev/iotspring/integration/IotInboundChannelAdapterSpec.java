package dev.iotspring.integration;

import org.springframework.integration.dsl.MessageProducerSpec;

/**
 * What every inbound adapter spec of {@link IotIntegration} can set besides output and error channel: the size of
 * the buffer between the platform and the output channel (see {@link IotMessageDrivenChannelAdapter}).
 *
 * @param <S> the spec's own type
 * @param <P> the adapter
 */
public class IotInboundChannelAdapterSpec<S extends IotInboundChannelAdapterSpec<S, P>,
        P extends IotMessageDrivenChannelAdapter<?>> extends MessageProducerSpec<S, P> {

    protected IotInboundChannelAdapterSpec(P adapter) {
        super(adapter);
    }

    /** How many messages may wait for the output channel before new ones are dropped (1000 by default). */
    public S bufferSize(int bufferSize) {
        this.target.setBufferSize(bufferSize);
        return _this();
    }
}

package dev.iotspring.core.observation;

import io.micrometer.common.KeyValues;

/**
 * Default {@link IotSendObservationConvention}: name {@code iot.message.send}, contextual name
 * {@code <platform> send}, low-cardinality {@code iot.platform}, {@code iot.destination.kind}, {@code iot.outcome},
 * high-cardinality {@code iot.destination} and {@code iot.message.id}.
 */
public class DefaultIotSendObservationConvention implements IotSendObservationConvention {

    public static final DefaultIotSendObservationConvention INSTANCE = new DefaultIotSendObservationConvention();

    @Override
    public String getName() {
        return "iot.message.send";
    }

    @Override
    public String getContextualName(IotSendContext context) {
        return context.getPlatform() + " send";
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(IotSendContext context) {
        return IotMessageKeyValues.lowCardinality(context);
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(IotSendContext context) {
        return IotMessageKeyValues.highCardinality(context);
    }
}

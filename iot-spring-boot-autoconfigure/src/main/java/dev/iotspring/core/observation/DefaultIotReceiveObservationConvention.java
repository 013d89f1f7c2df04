package dev.iotspring.core.observation;

import io.micrometer.common.KeyValues;

/**
 * Default {@link IotReceiveObservationConvention}: name {@code iot.message.receive}, contextual name
 * {@code <platform> receive}, the same key values as a send.
 */
public class DefaultIotReceiveObservationConvention implements IotReceiveObservationConvention {

    public static final DefaultIotReceiveObservationConvention INSTANCE = new DefaultIotReceiveObservationConvention();

    @Override
    public String getName() {
        return "iot.message.receive";
    }

    @Override
    public String getContextualName(IotReceiveContext context) {
        return context.getPlatform() + " receive";
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(IotReceiveContext context) {
        return IotMessageKeyValues.lowCardinality(context);
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(IotReceiveContext context) {
        return IotMessageKeyValues.highCardinality(context);
    }
}

package dev.iotspring.core.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and key values of send observations. Declare a bean of this type to replace
 * {@link DefaultIotSendObservationConvention} for every platform (extend it to add key values).
 */
public interface IotSendObservationConvention extends ObservationConvention<IotSendContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof IotSendContext;
    }
}

package dev.iotspring.core.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and key values of inbound delivery observations. Declare a bean of this type to replace
 * {@link DefaultIotReceiveObservationConvention} for every platform.
 */
public interface IotReceiveObservationConvention extends ObservationConvention<IotReceiveContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof IotReceiveContext;
    }
}

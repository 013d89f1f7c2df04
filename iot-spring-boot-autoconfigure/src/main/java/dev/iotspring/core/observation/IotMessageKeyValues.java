package dev.iotspring.core.observation;

import io.micrometer.common.KeyValues;

import dev.iotspring.core.observation.IotObservationDocumentation.HighCardinalityKeyNames;
import dev.iotspring.core.observation.IotObservationDocumentation.LowCardinalityKeyNames;

/** The key values both default conventions share, so sends and deliveries are tagged alike. */
final class IotMessageKeyValues {

    private IotMessageKeyValues() {
    }

    static KeyValues lowCardinality(IotMessageContext context) {
        return KeyValues.of(LowCardinalityKeyNames.PLATFORM.withValue(context.getPlatform()),
                LowCardinalityKeyNames.DESTINATION_KIND.withValue(context.getDestinationKind()),
                LowCardinalityKeyNames.OUTCOME.withValue(context.getOutcome().value()));
    }

    static KeyValues highCardinality(IotMessageContext context) {
        KeyValues values = KeyValues.of(HighCardinalityKeyNames.DESTINATION.withValue(context.getDestination()));
        String id = context.getMessageId();
        return (id != null) ? values.and(HighCardinalityKeyNames.MESSAGE_ID.withValue(id)) : values;
    }
}

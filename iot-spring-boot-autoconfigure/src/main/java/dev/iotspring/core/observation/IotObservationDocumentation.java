package dev.iotspring.core.observation;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/** The observations every platform makes, as spring-kafka's {@code KafkaTemplateObservation} documents its own. */
public enum IotObservationDocumentation implements ObservationDocumentation {

    /** A send or publish, from the call to the platform's acknowledgement (the returned future's completion). */
    SEND {
        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultIotSendObservationConvention.class;
        }
    },

    /** One inbound delivery, while the application's listener or subscriber handles it. */
    RECEIVE {
        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultIotReceiveObservationConvention.class;
        }
    };

    @Override
    public KeyName[] getLowCardinalityKeyNames() {
        return LowCardinalityKeyNames.values();
    }

    @Override
    public KeyName[] getHighCardinalityKeyNames() {
        return HighCardinalityKeyNames.values();
    }

    public enum LowCardinalityKeyNames implements KeyName {

        /** Platform id: {@code stellanow}, {@code streamsea}, {@code stellmap}, {@code astarte}, {@code spotflow}. */
        PLATFORM {
            @Override
            public String asString() {
                return "iot.platform";
            }
        },

        /** What the destination names: {@code event-type}, {@code stream}, {@code interface}, {@code service}. */
        DESTINATION_KIND {
            @Override
            public String asString() {
                return "iot.destination.kind";
            }
        },

        /** {@code success}, {@code failure} or {@code dropped}. */
        OUTCOME {
            @Override
            public String asString() {
                return "iot.outcome";
            }
        }
    }

    public enum HighCardinalityKeyNames implements KeyName {

        /** The event type, stream, interface and path, or stream group and stream. */
        DESTINATION {
            @Override
            public String asString() {
                return "iot.destination";
            }
        },

        /** The message id, where the platform has one. */
        MESSAGE_ID {
            @Override
            public String asString() {
                return "iot.message.id";
            }
        }
    }
}

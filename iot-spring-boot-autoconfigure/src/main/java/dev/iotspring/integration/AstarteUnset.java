package dev.iotspring.integration;

/**
 * The payload of an inbound message for a property Astarte unset: a message cannot carry a null payload (the
 * same reason spring-kafka has {@code KafkaNull}). Such a message also has {@link IotHeaders#ASTARTE_UNSET} true.
 */
public enum AstarteUnset {

    INSTANCE
}

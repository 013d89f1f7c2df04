package dev.iotspring.core.mqtt;

/**
 * MQTT protocol versions the connection speaks. MQTT 3.1.1 is the one every platform of this starter accepts
 * (StellaNow, Astarte, Spotflow) and the one that carries session-present; 3.1 only for old brokers.
 */
public enum MqttProtocolVersion {

    /** MQTT 3.1 (protocol level 3). */
    V3_1(3),

    /** MQTT 3.1.1 (protocol level 4). */
    V3_1_1(4);

    private final int level;

    MqttProtocolVersion(int level) {
        this.level = level;
    }

    /** The protocol level byte of CONNECT. */
    public int level() {
        return this.level;
    }
}

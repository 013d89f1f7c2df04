package dev.iotspring.core.mqtt;

/**
 * Receives messages of one subscription on Paho's callback thread. Hand heavy work to another thread; an
 * exception is logged and does not close the connection.
 */
@FunctionalInterface
public interface MqttMessageListener {

    void onMessage(MqttInboundMessage message) throws Exception;
}

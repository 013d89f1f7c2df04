package dev.iotspring.sample.spotflow;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.iotspring.sample.emulator.SampleEmulator;
import dev.iotspring.test.spotflow.SpotflowEmulator;

/**
 * Runs the Spotflow emulator of {@code iot-spring-boot-test} (provisioning API that approves every device at once,
 * IoT-Hub side on its own broker) and points {@code iot.spotflow.*} at it. Off with
 * {@code sample.emulators.spotflow=false}.
 */
public class SpotflowSampleEmulator implements SampleEmulator {

    private SpotflowEmulator emulator;

    @Override
    public String platform() {
        return "spotflow";
    }

    @Override
    public Map<String, Object> start() {
        this.emulator = SpotflowEmulator.builder().autoApprove(true).start();
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("iot.spotflow.enabled", "true");
        properties.put("iot.spotflow.instance", this.emulator.url());
        properties.put("iot.spotflow.provisioning-token", this.emulator.provisioningToken());
        properties.put("iot.spotflow.device-id", "sample-device");
        properties.put("iot.spotflow.mqtt-port", this.emulator.mqttPort());
        properties.put("iot.spotflow.mqtt-tls", "false");
        properties.put("iot.spotflow.hub-http-port", this.emulator.hubHttpPort());
        properties.put("iot.spotflow.provisioning-poll-interval", "1s");
        properties.put("iot.spotflow.reconnect.initial-delay", "1s");
        return properties;
    }

    @Override
    public void close() {
        if (this.emulator != null) {
            this.emulator.close();
        }
    }
}

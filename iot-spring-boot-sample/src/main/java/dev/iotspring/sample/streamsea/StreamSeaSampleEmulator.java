package dev.iotspring.sample.streamsea;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.iotspring.sample.emulator.SampleEmulator;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

/** Runs the stream-sea emulator of {@code iot-spring-boot-test} and points {@code iot.stream-sea.*} at it. */
public class StreamSeaSampleEmulator implements SampleEmulator {

    private StreamSeaEmulator emulator;

    @Override
    public String platform() {
        return "stream-sea";
    }

    @Override
    public Map<String, Object> start() {
        this.emulator = new StreamSeaEmulator().addClient("sample-jail", "sample-client", "sample-secret").start();
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("iot.stream-sea.enabled", "true");
        properties.put("iot.stream-sea.remote-host", this.emulator.host());
        properties.put("iot.stream-sea.remote-port", String.valueOf(this.emulator.port()));
        properties.put("iot.stream-sea.secure", "false");
        properties.put("iot.stream-sea.client-id", "sample-client");
        properties.put("iot.stream-sea.client-secret", "sample-secret");
        return properties;
    }

    @Override
    public void close() {
        if (this.emulator != null) {
            this.emulator.close();
        }
    }
}

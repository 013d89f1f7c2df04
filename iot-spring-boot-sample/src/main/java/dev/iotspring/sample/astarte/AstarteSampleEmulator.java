package dev.iotspring.sample.astarte;

import java.io.IOException;
import java.util.Map;

import dev.iotspring.astarte.AstarteDeviceIds;
import dev.iotspring.sample.emulator.SampleEmulator;
import dev.iotspring.test.astarte.AstarteEmulator;

/**
 * Runs the Astarte emulator of {@code iot-spring-boot-test} (Pairing API, broker with client certificates, the
 * Astarte side), installs the sample's interfaces and points {@code iot.astarte.*} at it. Each run is a new
 * realm, so the device gets a new id and registers with an agent JWT. Off with
 * {@code sample.emulators.astarte=false}.
 */
public class AstarteSampleEmulator implements SampleEmulator {

    private AstarteEmulator emulator;

    @Override
    public String platform() {
        return "astarte";
    }

    @Override
    public Map<String, Object> start() throws IOException {
        this.emulator = AstarteEmulator.builder().realm("sample").start();
        this.emulator.installInterfaces("classpath*:astarte/interfaces/*.json");
        return this.emulator.springProperties(AstarteDeviceIds.random());
    }

    /** The running emulator, e.g. to publish server data from a test. */
    public AstarteEmulator emulator() {
        return this.emulator;
    }

    @Override
    public void close() {
        if (this.emulator != null) {
            this.emulator.close();
        }
    }
}

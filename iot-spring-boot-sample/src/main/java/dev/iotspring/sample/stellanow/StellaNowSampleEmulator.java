package dev.iotspring.sample.stellanow;

import java.util.Map;

import dev.iotspring.sample.emulator.SampleEmulator;
import dev.iotspring.test.stellanow.StellaNowEmulator;

/**
 * Runs the StellaNow emulator of {@code iot-spring-boot-test} (broker with OIDC token checks plus a fake
 * Keycloak realm) and points {@code iot.stellanow.*} at it. Off with {@code sample.emulators.stellanow=false}.
 */
public class StellaNowSampleEmulator implements SampleEmulator {

    private StellaNowEmulator emulator;

    @Override
    public String platform() {
        return "stellanow";
    }

    @Override
    public Map<String, Object> start() {
        this.emulator = StellaNowEmulator.builder().start();
        return this.emulator.springProperties();
    }

    @Override
    public void close() {
        if (this.emulator != null) {
            this.emulator.close();
        }
    }
}

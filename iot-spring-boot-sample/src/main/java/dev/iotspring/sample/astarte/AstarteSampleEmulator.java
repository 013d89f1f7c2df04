package dev.iotspring.sample.astarte;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.iotspring.astarte.AstarteDeviceIds;
import dev.iotspring.sample.emulator.SampleEmulator;
import dev.iotspring.test.astarte.AstarteEmulator;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

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
        for (Resource r : new PathMatchingResourcePatternResolver().getResources("classpath*:astarte/interfaces/*.json")) {
            try (InputStream in = r.getInputStream()) {
                this.emulator.installInterface(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("iot.astarte.enabled", "true");
        properties.put("iot.astarte.realm", this.emulator.realm());
        properties.put("iot.astarte.pairing-url", this.emulator.pairingUrl());
        properties.put("iot.astarte.device-id", AstarteDeviceIds.random());
        properties.put("iot.astarte.pairing.private-key", this.emulator.realmPrivateKeyPem());
        properties.put("iot.astarte.ssl.bundle", "astarte-emulator");
        properties.put("spring.ssl.bundle.pem.astarte-emulator.truststore.certificate",
                this.emulator.certificateAuthority().certificatePem());
        return properties;
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

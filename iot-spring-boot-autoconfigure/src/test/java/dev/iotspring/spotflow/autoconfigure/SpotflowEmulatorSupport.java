package dev.iotspring.spotflow.autoconfigure;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.test.spotflow.SpotflowEmulator;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Runs the auto-configured client against a {@link SpotflowEmulator}: fast intervals, plain MQTT, a device id per test. */
final class SpotflowEmulatorSupport {

    private static final AtomicInteger DEVICES = new AtomicInteger();

    private SpotflowEmulatorSupport() {
    }

    static String newDeviceId() {
        return "device-" + DEVICES.incrementAndGet() + "-" + ProcessHandle.current().pid();
    }

    static ApplicationContextRunner runner(SpotflowEmulator emulator, Path storage, String deviceId,
            String... more) {
        List<String> properties = new java.util.ArrayList<>(List.of("iot.spotflow.enabled=true",
                "iot.spotflow.instance=" + emulator.url(),
                "iot.spotflow.provisioning-token=" + emulator.provisioningToken(),
                "iot.spotflow.device-id=" + deviceId, "iot.spotflow.mqtt-port=" + emulator.mqttPort(),
                "iot.spotflow.mqtt-tls=false", "iot.spotflow.provisioning-poll-interval=100ms",
                "iot.spotflow.registration-retry-interval=300ms", "iot.spotflow.token-check-interval=300ms",
                "iot.spotflow.reconnect.initial-delay=100ms", "iot.spotflow.reconnect.max-delay=500ms",
                "iot.spotflow.queue.retry.initial-delay=50ms", "iot.spotflow.queue.retry.max-delay=200ms",
                "iot.storage.directory=" + storage, "iot.shutdown.drain-timeout=2s"));
        properties.addAll(List.of(more));
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class, SpotflowAutoConfiguration.class))
            .withPropertyValues(properties.toArray(String[]::new));
    }
}

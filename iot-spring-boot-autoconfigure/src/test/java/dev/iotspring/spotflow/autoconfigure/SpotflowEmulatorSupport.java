package dev.iotspring.spotflow.autoconfigure;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.test.spotflow.SpotflowEmulator;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Runs the auto-configured client against a {@link SpotflowEmulator} (one per test class, auto-approving): fast
 * intervals, plain MQTT, a storage directory and a device id per test. Public for the tests of package-private
 * parts of {@code dev.iotspring.spotflow}.
 */
public abstract class SpotflowEmulatorSupport {

    private static final AtomicInteger DEVICES = new AtomicInteger();

    protected static SpotflowEmulator emulator;

    @TempDir
    protected Path storage;

    protected String deviceId;

    @BeforeAll
    protected static void startEmulator() {
        emulator = SpotflowEmulator.builder().autoApprove(true).start();
    }

    @AfterAll
    protected static void stopEmulator() {
        emulator.close();
    }

    @BeforeEach
    protected void freshDevice() {
        emulator.clearRecordings();
        this.deviceId = newDeviceId();
    }

    static String newDeviceId() {
        return "device-" + DEVICES.incrementAndGet() + "-" + ProcessHandle.current().pid();
    }

    public static ApplicationContextRunner runner(SpotflowEmulator emulator, Path storage, String deviceId,
            String... more) {
        List<String> properties = new java.util.ArrayList<>(List.of("iot.spotflow.enabled=true",
                "iot.spotflow.instance=" + emulator.url(),
                "iot.spotflow.provisioning-token=" + emulator.provisioningToken(),
                "iot.spotflow.device-id=" + deviceId, "iot.spotflow.mqtt-port=" + emulator.mqttPort(),
                "iot.spotflow.mqtt-tls=false", "iot.spotflow.hub-http-port=" + emulator.hubHttpPort(), "iot.spotflow.provisioning-poll-interval=100ms",
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

package dev.iotspring.astarte.autoconfigure;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.test.astarte.AstarteEmulator;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * One Astarte emulator (realm {@code test}, the interfaces under {@code astarte/interfaces/}) for the integration
 * test classes of the auto-configured device: starting HiveMQ and the Pairing API costs seconds, and every test
 * uses its own random device id. Closed when the JVM exits. Also the context runner those classes share.
 */
public final class SharedAstarteEmulator {

    private static AstarteEmulator emulator;

    private SharedAstarteEmulator() {
    }

    public static synchronized AstarteEmulator get() {
        if (emulator == null) {
            emulator = AstarteEmulator.builder().realm("test").start();
            emulator.installInterfaces("classpath*:astarte/interfaces/*.json");
            AstarteEmulator toClose = emulator;
            Runtime.getRuntime().addShutdownHook(new Thread(toClose::close, "astarte-emulator-shutdown"));
        }
        return emulator;
    }

    /**
     * A context runner with the Astarte auto-configuration pointed at the shared emulator (the realm key, its CA as
     * SSL bundle), the device's store in {@code directory}, a 5 s drain. Later {@code extra} properties override
     * these.
     */
    public static ApplicationContextRunner runner(String deviceId, Path directory, String... extra) {
        return runner(get(), deviceId, directory, extra);
    }

    /** {@link #runner(String, Path, String...)} against another emulator. */
    public static ApplicationContextRunner runner(AstarteEmulator emulator, String deviceId, Path directory,
            String... extra) {
        List<String> properties = new ArrayList<>();
        emulator.springProperties(deviceId).forEach((key, value) -> properties.add(key + "=" + value));
        properties.add("iot.storage.directory=" + directory);
        properties.add("iot.shutdown.drain-timeout=5s");
        properties.addAll(List.of(extra));
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, IotCoreAutoConfiguration.class,
                    AstarteAutoConfiguration.class))
            .withPropertyValues(properties.toArray(String[]::new));
    }
}

package dev.iotspring.stellanow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.stellanow.autoconfigure.StellaNowAutoConfiguration;

import dev.iotspring.test.stellanow.StellaNowEmulator;
import dev.iotspring.test.stellanow.StellaNowEmulator.ReceivedEvent;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * One StellaNow emulator (with TLS) for every integration test class of this module: starting and stopping
 * HiveMQ costs seconds, so the classes share it and reset it before each test. Closed when the JVM exits. Also the
 * context runner and event helpers those classes share.
 */
final class SharedEmulator {

    private static StellaNowEmulator emulator;

    private static Path caPem;

    private SharedEmulator() {
    }

    static synchronized StellaNowEmulator get() {
        if (emulator == null) {
            emulator = StellaNowEmulator.builder().tls().start();
            try {
                Path dir = Files.createTempDirectory("stellanow-ca-");
                caPem = emulator.certificateAuthority().writeCertificatePem(dir.resolve("ca.pem"));
                caPem.toFile().deleteOnExit();
                dir.toFile().deleteOnExit();
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            StellaNowEmulator toClose = emulator;
            Runtime.getRuntime().addShutdownHook(new Thread(toClose::close, "stellanow-emulator-shutdown"));
        }
        return emulator;
    }

    /** The PEM of the CA that signed the broker's certificate. */
    static synchronized Path caPem() {
        get();
        return caPem;
    }

    /**
     * A context runner with the StellaNow auto-configuration pointed at the shared emulator (OIDC, the given broker
     * URL): quick reconnects (100-500 ms), a 5 s drain, the test CA as SSL bundle {@code stellanow-test}. Later
     * {@code extra} properties override these.
     */
    static ApplicationContextRunner runnerAt(String brokerUrl, String... extra) {
        return runnerAt(get(), caPem(), brokerUrl, extra);
    }

    /** {@link #runnerAt(String, String...)} against another emulator, whose CA is in {@code caPem}. */
    static ApplicationContextRunner runnerAt(StellaNowEmulator emulator, Path caPem, String brokerUrl,
            String... extra) {
        List<String> properties = new ArrayList<>();
        emulator.springProperties(brokerUrl).forEach((k, v) -> properties.add(k + "=" + v));
        properties.add("iot.stellanow.reconnect.initial-delay=100ms");
        properties.add("iot.stellanow.reconnect.max-delay=500ms");
        properties.add("iot.shutdown.drain-timeout=5s");
        properties.add("spring.ssl.bundle.pem.stellanow-test.truststore.certificate=file:" + caPem);
        properties.addAll(List.of(extra));
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, IotCoreAutoConfiguration.class,
                    StellaNowAutoConfiguration.class))
            .withPropertyValues(properties.toArray(String[]::new));
    }

    /** {@link #runnerAt} over plain TCP. */
    static ApplicationContextRunner runner(String... extra) {
        return runnerAt(get().tcpUrl(), extra);
    }

    /** An event carrying {@code n} in its payload. */
    static StellaNowMessage numbered(int n) {
        return StellaNowMessage.builder("counter").entity("device", "d-1").payload(Map.of("n", n)).build();
    }

    static String clientId(AssertableApplicationContext context) {
        return context.getBean("stellaNowMqttConnection", MqttConnection.class).settings().clientId();
    }

    /** Events the broker received from the client, in arrival order. */
    static List<ReceivedEvent> eventsFrom(String clientId) {
        return get().events().stream().filter((e) -> e.publish().clientId().equals(clientId)).toList();
    }

    /** The {@code n} of every event the broker received from the client, in arrival order. */
    static List<Integer> numbersFrom(String clientId) {
        return eventsFrom(clientId).stream().map((e) -> e.payload().get("n").asInt()).toList();
    }

    /** Back to defaults: broker running, faults off, recordings cleared, OIDC mode, 300 s tokens. */
    static void reset() {
        StellaNowEmulator current = get();
        if (!current.broker().isRunning()) {
            current.broker().start();
        }
        current.broker().reset();
        current.authMode(StellaNowEmulator.AuthMode.OIDC);
        current.disconnectOnTokenExpiry(false);
        current.refusePublishes(false);
        current.identityProvider().clearRequests();
        current.identityProvider().clearFaults();
        current.identityProvider().setAccessTokenLifetime(Duration.ofSeconds(300));
    }
}

package dev.iotspring.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import dev.iotspring.astarte.AstarteDevice;
import dev.iotspring.astarte.AstarteDeviceIds;
import dev.iotspring.astarte.autoconfigure.AstarteAutoConfiguration;
import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.mqtt.MqttEndpoint;
import dev.iotspring.core.mqtt.MqttTls;
import dev.iotspring.test.astarte.AstarteEmulator;
import dev.iotspring.test.tls.IssuedCertificate;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.FileSystemUtils;

/**
 * Goal 11.1 for Astarte as an application sends, like {@link ColdSendRounds}: each run a fresh JVM, an application
 * whose {@code AstarteDevice} sends {@code messages} datastream values ({@code reliability: guaranteed}, QoS 1,
 * {@code retention: volatile}, in-flight {@value AstarteSendBenchmark#WINDOW}) one after another and then waits for
 * all, against a bare Paho client with its own device certificate publishing the same BSON bytes with the same
 * window. Both go over mutual TLS to the Astarte emulator's broker, which runs in this (the parent) process, so
 * its CPU is outside both sides' JVMs. The starter pairs its device (registration, certificate) before the clock
 * starts; a first value sent and acknowledged marks it ready.
 *
 * <pre>
 * java -cp "$CP" dev.iotspring.benchmarks.AstarteColdRounds &lt;rounds&gt; &lt;messages&gt;
 * </pre>
 * {@code -Dcold.warm-passes=N} and {@code -Dcold.threads=true} as in {@link ColdSendRounds}.
 */
public final class AstarteColdRounds {

    private static final String INTERFACE_NAME = "org.iotspring.bench.Values";

    private AstarteColdRounds() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child-raw")) {
            raw(args[1], args[2], Path.of(args[3]), Path.of(args[4]), args[5], Integer.parseInt(args[6]));
            return;
        }
        if (args.length > 0 && args[0].equals("child-starter")) {
            starter(Path.of(args[1]), Integer.parseInt(args[2]));
            return;
        }
        int rounds = (args.length > 0) ? Integer.parseInt(args[0]) : 5;
        int messages = (args.length > 1) ? Integer.parseInt(args[1]) : 50_000;
        Path work = Files.createTempDirectory("astarte-cold");
        try (AstarteEmulator astarte = AstarteEmulator.builder().realm("bench").strict(false).start()) {
            astarte.installInterface(AstarteSendBenchmark.INTERFACE);
            // The emulator would keep every value it receives: this many runs would fill its heap.
            astarte.broker().recordPublishes(false);
            Path interfaces = Files.createDirectories(work.resolve("interfaces"));
            Files.writeString(interfaces.resolve(INTERFACE_NAME + ".json"), AstarteSendBenchmark.INTERFACE);
            char[] password = "bench".toCharArray();
            Path trustStore = astarte.certificateAuthority().writeTrustStore(work.resolve("trust.p12"), password);
            String rawId = AstarteDeviceIds.random();
            IssuedCertificate certificate = astarte.issueDeviceCertificate(rawId);
            Path keyStore = certificate.writeKeyStore(work.resolve("raw-device.p12"), password);
            String rawTopic = "bench/" + rawId + "/" + INTERFACE_NAME + "/volatile";
            int[] run = { 0 };
            String warm = "-Dcold.warm-passes=" + Integer.getInteger("cold.warm-passes", 0);
            String threads = "-Dcold.threads=" + Boolean.getBoolean("cold.threads");
            ColdSendRounds.alternate(rounds, messages, (side) -> {
                if (side.equals("raw")) {
                    return List.of(warm, threads, AstarteColdRounds.class.getName(), "child-raw", astarte.brokerUrl(),
                            astarte.clientId(rawId), keyStore.toString(), trustStore.toString(), rawTopic,
                            String.valueOf(messages));
                }
                // A new device each run, paired from scratch, with a store of its own.
                Path dir = work.resolve("starter-" + (++run[0]));
                Properties properties = new Properties();
                astarte.springProperties(AstarteDeviceIds.random())
                    .forEach((key, value) -> properties.setProperty(key, String.valueOf(value)));
                properties.setProperty("iot.astarte.interfaces", "file:" + interfaces + "/*.json");
                properties.setProperty("iot.astarte.queue.in-flight", String.valueOf(AstarteSendBenchmark.WINDOW));
                properties.setProperty("iot.storage.directory", dir.resolve("store").toString());
                Path file = dir.resolve("application.properties");
                try {
                    Files.createDirectories(dir);
                    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                        properties.store(out, null);
                    }
                }
                catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
                return List.of(warm, threads, AstarteColdRounds.class.getName(), "child-starter", file.toString(),
                        String.valueOf(messages));
            });
        }
        finally {
            FileSystemUtils.deleteRecursively(work);
        }
    }

    private static void raw(String brokerUrl, String clientId, Path keyStoreFile, Path trustStoreFile, String topic,
            int messages) throws Exception {
        char[] password = "bench".toCharArray();
        MqttTls tls = MqttTls.of(KeyStore.getInstance(keyStoreFile.toFile(), password), password,
                KeyStore.getInstance(trustStoreFile.toFile(), password));
        MqttAsyncClient client = new MqttAsyncClient(MqttEndpoint.parse(brokerUrl).pahoServerUri(), clientId,
                new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(false);
        options.setMaxInflight(AstarteSendBenchmark.WINDOW);
        options.setSocketFactory(tls.socketFactory());
        client.connect(options).waitForCompletion(30_000);
        Semaphore window = new Semaphore(AstarteSendBenchmark.WINDOW);
        byte[] payload = AstarteSendBenchmark.bson(21.5);
        ColdSendRounds.measure(messages, Integer.getInteger("cold.warm-passes", 0),
                () -> RawPahoBatch.publish(client, window, topic, payload, messages));
        client.disconnect().waitForCompletion(10_000);
        client.close();
    }

    private static void starter(Path propertiesFile, int messages) throws Exception {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
            .web(WebApplicationType.NONE)
            .logStartupInfo(false)
            .properties(Map.of("spring.config.additional-location", "file:" + propertiesFile))
            .run()) {
            AstarteDevice device = context.getBean(AstarteDevice.class);
            device.send(INTERFACE_NAME, "/volatile", 0.0).get(60, TimeUnit.SECONDS);
            ColdSendRounds.measure(messages, Integer.getInteger("cold.warm-passes", 0), () -> {
                CompletableFuture<?>[] futures = new CompletableFuture<?>[messages];
                for (int i = 0; i < messages; i++) {
                    futures[i] = device.send(INTERFACE_NAME, "/volatile", 21.5);
                }
                CompletableFuture.allOf(futures).join();
            });
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ SslAutoConfiguration.class, IotCoreAutoConfiguration.class,
            AstarteAutoConfiguration.class })
    public static class Application {

    }
}

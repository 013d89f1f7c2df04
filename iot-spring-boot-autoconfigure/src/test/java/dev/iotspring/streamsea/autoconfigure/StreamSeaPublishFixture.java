package dev.iotspring.streamsea.autoconfigure;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import tools.jackson.databind.JsonNode;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.streamsea.FieldType;
import dev.iotspring.streamsea.SchemaDefinition;
import dev.iotspring.streamsea.StreamSeaClientSettings;
import dev.iotspring.streamsea.StreamSeaTemplate;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** What the publish tests share: an emulator with {@code {seq: integer}} streams and an application against it. */
final class StreamSeaPublishFixture {

    static final String SECRET = "top-secret";

    private StreamSeaPublishFixture() {
    }

    /** An emulator with client {@code svc} in jail {@code jail} and the given streams defined. */
    static StreamSeaEmulator startEmulator(String... streams) {
        StreamSeaEmulator emulator = new StreamSeaEmulator().addClient("jail", "svc", SECRET).start();
        StreamSeaTemplate setup = StreamSeaTemplate.create(StreamSeaClientSettings.builder("127.0.0.1", "svc")
            .port(emulator.port())
            .secure(false)
            .clientSecret(SECRET)
            .build());
        for (String stream : streams) {
            setup.defineStream(SchemaDefinition.builder(stream, 1).field("seq", FieldType.INTEGER).build());
        }
        setup.destroy();
        return emulator;
    }

    /** stream-sea enabled against the emulator on {@code port}, short retry delays. */
    static ApplicationContextRunner runner(int port, Path storage) {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class, StreamSeaAutoConfiguration.class))
            .withPropertyValues("iot.stream-sea.enabled=true", "iot.stream-sea.remote-host=127.0.0.1",
                    "iot.stream-sea.remote-port=" + port, "iot.stream-sea.secure=false",
                    "iot.stream-sea.client-id=svc", "iot.stream-sea.client-secret=" + SECRET,
                    "iot.stream-sea.reconnect.initial-delay=100ms", "iot.stream-sea.reconnect.max-delay=200ms",
                    "iot.stream-sea.queue.retry.initial-delay=20ms", "iot.stream-sea.queue.retry.max-delay=200ms",
                    "iot.storage.directory=" + storage);
    }

    /** Publishes {@code {"seq": n}} for n from {@code from} (inclusive) to {@code to}. */
    static List<CompletableFuture<Void>> publish(StreamSeaTemplate template, String stream, int from, int to) {
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int seq = from; seq < to; seq++) {
            futures.add(template.publish(stream, Map.of("seq", seq)));
        }
        return futures;
    }

    static List<Integer> seqs(List<JsonNode> payloads) {
        return payloads.stream().map((p) -> p.path("seq").asInt()).toList();
    }

    static List<Integer> range(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
    }
}

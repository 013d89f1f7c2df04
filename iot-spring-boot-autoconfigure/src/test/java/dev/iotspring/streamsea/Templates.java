package dev.iotspring.streamsea;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

import reactor.core.Disposable;

import dev.iotspring.test.streamsea.ConnectionRecord;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import static org.awaitility.Awaitility.await;

/**
 * Builds templates pointed at an emulator and, after each test, disposes the subscriptions it was given and
 * destroys the templates.
 */
final class Templates implements AutoCloseable {

    static final SchemaDefinition READINGS = SchemaDefinition.builder("readings", 1)
        .field("seq", FieldType.INTEGER)
        .field("source", FieldType.STRING)
        .field("text", FieldType.STRING)
        .build();

    private final StreamSeaEmulator emulator;

    private final List<StreamSeaTemplate> created = new CopyOnWriteArrayList<>();

    private final List<Disposable> subscriptions = new CopyOnWriteArrayList<>();

    Templates(StreamSeaEmulator emulator) {
        this.emulator = emulator;
    }

    /** Defines the schemas through a template of its own, destroyed afterwards (class setup). */
    static void defineStreams(StreamSeaEmulator emulator, String clientId, String secret,
            SchemaDefinition... schemas) {
        StreamSeaTemplate setup = StreamSeaTemplate.create(new Templates(emulator).settings(clientId, secret).build());
        for (SchemaDefinition schema : schemas) {
            setup.defineStream(schema);
        }
        setup.destroy();
    }

    StreamSeaClientSettings.Builder settings(String clientId, String secret) {
        return StreamSeaClientSettings.builder(this.emulator.host(), clientId)
            .port(this.emulator.port())
            .secure(false)
            .clientSecret(secret)
            .reconnect(Duration.ofMillis(100), Duration.ofMillis(400))
            .authTimeout(Duration.ofSeconds(3))
            .idleTimeout(Duration.ofSeconds(5));
    }

    StreamSeaTemplate start(String clientId, String secret) {
        return start(clientId, secret, UnaryOperator.identity());
    }

    StreamSeaTemplate start(String clientId, String secret, UnaryOperator<StreamSeaClientSettings.Builder> custom) {
        StreamSeaTemplate template = StreamSeaTemplate.create(custom.apply(settings(clientId, secret)).build());
        this.created.add(template);
        template.start();
        return template;
    }

    /** Waits until the template is authenticated; returns the emulator's newest open authenticated socket. */
    ConnectionRecord awaitAuthenticated(StreamSeaTemplate template) {
        await().atMost(Duration.ofSeconds(30)).until(() -> template.connectionState().connected());
        return java.util.Objects.requireNonNull(newestAuthenticated());
    }

    /**
     * Waits until the template is authenticated and {@code count} of its subscriptions joined their groups on
     * the emulator (deliveries reach them from then on); returns that socket.
     */
    ConnectionRecord awaitJoined(StreamSeaTemplate template, int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            ConnectionRecord current = newestAuthenticated();
            return template.connectionState().connected() && current != null
                    && this.emulator.joinedSubscriptions(current.id()) >= count;
        });
        return newestAuthenticated();
    }

    /** The emulator's record of socket {@code id}, as it is now. */
    ConnectionRecord record(int id) {
        return this.emulator.connections().stream().filter((c) -> c.id() == id).findFirst().orElseThrow();
    }

    private ConnectionRecord newestAuthenticated() {
        return this.emulator.connections()
            .stream()
            .filter((c) -> c.authenticatedAt() != null && c.isOpen())
            .reduce((a, b) -> b)
            .orElse(null);
    }

    /** Destroys the template after the test. */
    StreamSeaTemplate track(StreamSeaTemplate template) {
        this.created.add(template);
        return template;
    }

    /** Disposes the subscription after the test, before the templates are destroyed. */
    void keep(Disposable subscription) {
        this.subscriptions.add(subscription);
    }

    @Override
    public void close() {
        this.subscriptions.forEach(Disposable::dispose);
        this.created.forEach(StreamSeaTemplate::destroy);
    }

    record Reading(int seq, String source, String text) {
    }
}

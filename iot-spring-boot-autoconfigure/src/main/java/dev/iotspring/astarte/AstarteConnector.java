package dev.iotspring.astarte;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.event.IotEventPublisher;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionListener;
import dev.iotspring.core.mqtt.MqttConnectionSettings;
import dev.iotspring.core.mqtt.MqttCredentials;
import dev.iotspring.core.mqtt.MqttCredentialsException;
import dev.iotspring.core.mqtt.MqttEndpoint;
import dev.iotspring.core.mqtt.MqttTls;
import dev.iotspring.core.store.DeferredStore;

/**
 * Brings the device to its broker: pairs (registers if needed, learns the broker URL) on the device's thread,
 * retried with the reconnect back-off until it works, then builds the one {@link MqttConnection} (client id
 * {@code realm/device_id}, clean session false, the {@link AstarteSession} and event listeners attached). Before
 * every connect it presents a certificate Astarte accepts (verified, or renewed), and it reconnects when that
 * certificate expires so the next connect renews it while the application runs.
 */
final class AstarteConnector {

    private static final Logger logger = LoggerFactory.getLogger(AstarteConnector.class);

    private final AstarteDeviceSettings settings;

    private final AstartePairing pairing;

    private final AstarteSession session;

    private final DeferredStore store;

    private final AstarteKeyManager keyManager = new AstarteKeyManager();

    private final AstarteSocketFactory socketFactory;

    private final @Nullable IotEventPublisher events;

    private final ScheduledExecutorService scheduler;

    private final BooleanSupplier running;

    /** The device's connection once made (read by its send path), and where a new one is handed over. */
    private final Supplier<@Nullable MqttConnection> connection;

    private final Consumer<MqttConnection> connectionMade;

    /** Called after every connect, so the dispatchers look at their queues again. */
    private final Runnable wakeUp;

    private @Nullable ScheduledFuture<?> expiryCheck;

    private @Nullable Instant expiryScheduledFor;

    private int bootstrapAttempts;

    AstarteConnector(AstarteDeviceSettings settings, AstartePairing pairing, AstarteSession session,
            DeferredStore store, @Nullable IotEventPublisher events, ScheduledExecutorService scheduler,
            BooleanSupplier running, Supplier<@Nullable MqttConnection> connection,
            Consumer<MqttConnection> connectionMade, Runnable wakeUp) {
        this.settings = settings;
        this.pairing = pairing;
        this.session = session;
        this.store = store;
        this.events = events;
        this.scheduler = scheduler;
        this.running = running;
        this.connection = connection;
        this.connectionMade = connectionMade;
        this.wakeUp = wakeUp;
        this.socketFactory = new AstarteSocketFactory(this.keyManager, settings.trustManagers());
    }

    /** Pairs and connects once the store is open; never if it cannot be (logged, and in the health, once). */
    void startWhenStoreIsOpen() {
        this.store.whenOpen(this.scheduler, this::bootstrap);
    }

    /** Registers if needed and learns the broker URL, then connects; retried with back-off until it works. */
    private void bootstrap() {
        if (!this.running.getAsBoolean() || this.connection.get() != null) {
            return;
        }
        try {
            String url = this.pairing.brokerUrl();
            MqttConnection c = new MqttConnection(connectionSettings(MqttEndpoint.parse(url)));
            this.session.attach(c);
            c.addConnectionListener(this.session);
            if (this.events != null) {
                c.addConnectionListener(this.events.asMqttConnectionListener());
            }
            c.addConnectionListener(new MqttConnectionListener() {
                @Override
                public void connected(boolean sessionPresent) {
                    AstarteConnector.this.wakeUp.run();
                }
            });
            this.connectionMade.accept(c);
            logger.info("Astarte: device {} connects to {} as {}/{}", this.settings.deviceId(), url,
                    this.settings.realm(), this.settings.deviceId());
            c.start();
        }
        catch (AstartePairingException ex) {
            this.pairing.failed(ex.getMessage());
            if (ex.isPermanent()) {
                logger.error("Astarte: device {} cannot pair and will not retry: {}", this.settings.deviceId(),
                        ex.getMessage());
                return;
            }
            retryBootstrap(ex.getMessage());
        }
        catch (RuntimeException ex) {
            this.pairing.failed(ex.toString());
            retryBootstrap(ex.toString());
        }
    }

    private void retryBootstrap(String reason) {
        Duration delay = this.settings.backoff().delay(++this.bootstrapAttempts, Math::random);
        logger.warn("Astarte: pairing of device {} failed ({}); retrying in {}", this.settings.deviceId(), reason, delay);
        if (this.running.getAsBoolean()) {
            this.scheduler.schedule(this::bootstrap, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private MqttConnectionSettings connectionSettings(MqttEndpoint endpoint) {
        return MqttConnectionSettings.builder(endpoint, this.settings.realm() + "/" + this.settings.deviceId())
            .name(AstarteDeviceClient.PLATFORM)
            .cleanSession(false)
            // Astarte's properties and "unique" datastreams go at QoS 2: a restart must finish their open
            // exchanges before reusing packet ids (bootstrap runs once the store is open).
            .qos2Store(this.store.join().keyValueStore("mqtt-qos2"))
            .resubscribeWhenSessionPresent(false)
            .keepAlive(this.settings.keepAlive())
            .connectTimeout(this.settings.connectTimeout())
            .maxInflight(this.settings.maxInflight())
            .backoff(this.settings.backoff())
            .tls(MqttTls.of(this.socketFactory).withHostnameVerification(this.settings.hostnameVerification()))
            .credentials(this::certificateBeforeConnect)
            .build();
    }

    /** Before every connect: a certificate Astarte accepts (verified, or renewed), presented by the key manager. */
    private MqttCredentials certificateBeforeConnect() {
        try {
            AstarteCredentials credentials = this.pairing.certificate();
            this.socketFactory.use(credentials);
            scheduleExpiryCheck(credentials.notAfter());
            return MqttCredentials.none();
        }
        catch (AstartePairingException ex) {
            this.pairing.failed(ex.getMessage());
            throw ex.isPermanent() ? MqttCredentialsException.permanent(ex.getMessage(), ex)
                    : MqttCredentialsException.transientFailure(ex.getMessage(), ex);
        }
    }

    /** Reconnects when the certificate expires, so the next connect renews it while the application runs. */
    private synchronized void scheduleExpiryCheck(Instant notAfter) {
        if (notAfter.equals(this.expiryScheduledFor)) {
            return;
        }
        if (this.expiryCheck != null) {
            this.expiryCheck.cancel(false);
        }
        this.expiryScheduledFor = notAfter;
        long delay = Math.max(0, Duration.between(this.settings.clock().instant(), notAfter).toMillis() + 1000);
        this.expiryCheck = this.scheduler.schedule(() -> {
            MqttConnection c = this.connection.get();
            if (c != null && notAfter.equals(this.pairing.certificateNotAfter())) {
                logger.info("Astarte: the certificate of device {} expired; reconnecting to renew it",
                        this.settings.deviceId());
                c.reconnect();
            }
        }, delay, TimeUnit.MILLISECONDS);
    }
}

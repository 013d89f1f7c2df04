package dev.iotspring.astarte;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.bson.BsonValue;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionListener;
import dev.iotspring.core.mqtt.MqttInboundMessage;
import dev.iotspring.core.store.JdbcKeyValueStore;

/**
 * The Astarte MQTT v1 session of one device over one {@link MqttConnection}: the handshake after a connect
 * (spec §7: subscriptions, introspection, emptyCache, device properties, producer purge list, in that order,
 * only when the broker has no session, the introspection changed since the last completed handshake or the last one
 * did not complete; a server-owned interface of that handshake that is gone is unsubscribed first, spec §6), and what
 * arrives from Astarte (server properties stored and purged, server data decoded for the listeners). Data may
 * be published only while {@link #isReady()}.
 */
final class AstarteSession implements MqttConnectionListener {

    private static final Logger logger = LoggerFactory.getLogger(AstarteSession.class);

    private static final String INTROSPECTION_KEY = "introspection";

    /** The server-owned interfaces of the last completed handshake, names joined by ';'. */
    private static final String SERVER_INTERFACES_KEY = "server-interfaces";

    /** Present from the start of a full handshake until it completed; see {@link #handshake}. */
    private static final String HANDSHAKE_PENDING_KEY = "handshake-pending";

    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(60);

    private final String base;

    private final AstarteInterfaces interfaces;

    private final AstartePropertyStore properties;

    /** Opened beside the application's startup: waited for on first use. */
    private final Supplier<JdbcKeyValueStore> meta;

    /** Told of emptyCache and of each device property the handshake publishes again. */
    private final AstartePropertyAccess propertyCalls;

    private final Consumer<AstarteServerEvent> deliver;

    private final Runnable onReady;

    private final Executor worker;

    private volatile MqttConnection connection;

    private volatile boolean ready;

    /** Counts connects, so a handshake for an older connect does not mark a newer one ready. */
    private volatile long connects;

    AstarteSession(String realm, String deviceId, AstarteInterfaces interfaces, AstartePropertyStore properties,
            AstartePropertyAccess propertyCalls, Supplier<JdbcKeyValueStore> meta, Consumer<AstarteServerEvent> deliver,
            Runnable onReady, Executor worker) {
        this.base = realm + "/" + deviceId;
        this.interfaces = interfaces;
        this.properties = properties;
        this.propertyCalls = propertyCalls;
        this.meta = meta;
        this.deliver = deliver;
        this.onReady = onReady;
        this.worker = worker;
    }

    String base() {
        return this.base;
    }

    /** Registers the subscriptions; the connection sends them after a connect without a session. */
    void attach(MqttConnection connection) {
        this.connection = connection;
        for (String filter : subscriptions()) {
            connection.subscribe(filter, 2, this::onMessage);
        }
    }

    private List<String> subscriptions() {
        List<String> filters = new ArrayList<>();
        filters.add(this.base + "/control/consumer/properties");
        for (AstarteInterface i : this.interfaces.serverOwned()) {
            filters.add(this.base + "/" + i.name() + "/#");
        }
        return filters;
    }

    boolean isReady() {
        return this.ready;
    }

    @Override
    public void connected(boolean sessionPresent) {
        long connect = ++this.connects;
        this.ready = false;
        // Blocking waits for acknowledgements must not run on Paho's callback thread.
        this.worker.execute(() -> handshake(connect, sessionPresent));
    }

    @Override
    public void disconnected(Throwable cause, boolean willRetry) {
        this.ready = false;
    }

    private void handshake(long connect, boolean sessionPresent) {
        String introspection = this.interfaces.introspection();
        JdbcKeyValueStore meta = this.meta.get();
        String previous = meta.getString(INTROSPECTION_KEY).orElse(null);
        boolean interrupted = meta.get(HANDSHAKE_PENDING_KEY).isPresent();
        try {
            if (!sessionPresent || interrupted || !introspection.equals(previous)) {
                if (interrupted) {
                    logger.info("Astarte: the last handshake of {} did not complete: doing it again", this.base);
                }
                // Marked before anything is sent: once emptyCache is out Astarte has forgotten the device
                // properties, so a handshake cut off before its end (crash, lost connection) is done again at the
                // next connect even when the broker kept the session. The records of the last completed handshake
                // stay, the unsubscribes of gone server interfaces read them.
                meta.putString(HANDSHAKE_PENDING_KEY, introspection);
                fullHandshake(sessionPresent, introspection, goneServerInterfaces(previous));
                meta.putString(SERVER_INTERFACES_KEY, serverInterfaceNames().stream()
                    .collect(Collectors.joining(";")));
                meta.putString(INTROSPECTION_KEY, introspection);
                meta.delete(HANDSHAKE_PENDING_KEY);
            }
            else {
                logger.debug("Astarte: session present for {}, no handshake", this.base);
            }
            if (connect == this.connects && this.connection.isConnected()) {
                this.ready = true;
                this.onReady.run();
            }
        }
        catch (Exception ex) {
            // The connection dropped meanwhile; the next connect starts over.
            logger.info("Astarte: handshake of {} did not complete: {}", this.base, ex.toString());
        }
    }

    private void fullHandshake(boolean sessionPresent, String introspection, Set<String> goneServerInterfaces)
            throws Exception {
        MqttConnection c = this.connection;
        List<CompletableFuture<?>> acks = new ArrayList<>();
        if (sessionPresent) {
            // The broker kept a session made for other interfaces: its subscriptions of server interfaces that are
            // gone would linger there (and deliver what nothing here reads); the current ones are made again
            // before the introspection.
            for (String name : goneServerInterfaces) {
                logger.info("Astarte: {} no longer has the server-owned interface {}: unsubscribing", this.base, name);
                acks.add(c.unsubscribe(this.base + "/" + name + "/#"));
            }
            for (String filter : subscriptions()) {
                acks.add(c.subscribe(filter, 2, this::onMessage));
            }
            await(acks);
        }
        logger.info("Astarte: handshake of {} (session present: {})", this.base, sessionPresent);
        acks.add(c.publish(this.base, introspection.getBytes(StandardCharsets.US_ASCII), 2, false));
        this.propertyCalls.emptyingCache();
        acks.add(c.publish(this.base + "/control/emptyCache", new byte[] { '1' }, 2, false));
        Map<String, AstartePropertyStore.Row> current = currentDeviceProperties();
        for (AstartePropertyStore.Row row : current.values()) {
            CompletableFuture<Void> ack = c.publish(this.base + "/" + row.entry(), row.payload(), 2, false);
            this.propertyCalls.replayed(row, ack);
            acks.add(ack);
        }
        acks.add(c.publish(this.base + "/control/producer/properties", AstartePurgeList.encode(current.keySet()), 2,
                false));
        await(acks);
    }

    private Set<String> serverInterfaceNames() {
        return this.interfaces.serverOwned().stream().map(AstarteInterface::name)
            .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /**
     * Server-owned interfaces of the last completed handshake that the device no longer has as server-owned. A
     * store written before they were recorded has only the introspection: then every interface gone from it
     * (unsubscribing a filter the session never had is harmless).
     */
    private Set<String> goneServerInterfaces(@Nullable String previousIntrospection) {
        Set<String> gone = new LinkedHashSet<>();
        String recorded = this.meta.get().getString(SERVER_INTERFACES_KEY).orElse(null);
        if (recorded != null) {
            gone.addAll(split(recorded));
        }
        else if (previousIntrospection != null) {
            split(previousIntrospection).forEach(entry -> gone.add(entry.split(":", 2)[0]));
            this.interfaces.all().forEach(i -> gone.remove(i.name()));
        }
        gone.removeAll(serverInterfaceNames());
        return gone;
    }

    private static List<String> split(String joined) {
        return Arrays.stream(joined.split(";")).filter(n -> !n.isEmpty()).toList();
    }

    /** Stored device properties still in the introspection under the same major version; others are dropped. */
    private Map<String, AstartePropertyStore.Row> currentDeviceProperties() {
        Map<String, AstartePropertyStore.Row> current = new LinkedHashMap<>();
        this.properties.all(false).forEach((entry, row) -> {
            AstarteInterface iface = this.interfaces.get(row.interfaceName()).orElse(null);
            if (iface != null && !iface.isServerOwned() && iface.isProperties() && iface.major() == row.major()
                    && iface.mappingFor(row.path()) != null) {
                current.put(entry, row);
            }
            else {
                this.properties.remove(false, row.interfaceName(), row.path());
            }
        });
        return current;
    }

    private static void await(List<CompletableFuture<?>> acks) throws Exception {
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
            .get(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    void onMessage(MqttInboundMessage message) {
        String topic = message.topic();
        if (!topic.startsWith(this.base + "/")) {
            return;
        }
        String rest = topic.substring(this.base.length() + 1);
        if (rest.equals("control/consumer/properties")) {
            purgeServerProperties(message.payload());
            return;
        }
        int slash = rest.indexOf('/');
        if (slash < 0) {
            logger.warn("Astarte: ignoring a message on {} (no path)", topic);
            return;
        }
        String interfaceName = rest.substring(0, slash);
        String path = rest.substring(slash);
        AstarteInterface iface = this.interfaces.get(interfaceName).orElse(null);
        if (iface == null || !iface.isServerOwned()) {
            logger.warn("Astarte: ignoring data on {}: not a server-owned interface of this device", topic);
            return;
        }
        try {
            AstarteServerEvent event = decode(iface, path, message.payload());
            if (event != null) {
                this.deliver.accept(event);
            }
        }
        catch (IllegalArgumentException ex) {
            logger.warn("Astarte: ignoring data on {}: {}", topic, ex.getMessage());
        }
    }

    private AstarteServerEvent decode(AstarteInterface iface, String path, byte[] payload) {
        if (iface.isObject()) {
            if (!iface.isObjectPath(path)) {
                throw new IllegalArgumentException("not an object path of the interface");
            }
            AstartePayloads.Decoded decoded = AstartePayloads.decode(payload);
            Map<String, Object> values = new LinkedHashMap<>();
            for (Map.Entry<String, BsonValue> e : AstartePayloads.objectEntries(decoded.value()).entrySet()) {
                AstarteMapping m = iface.mappingFor(path + "/" + e.getKey());
                if (m == null) {
                    throw new IllegalArgumentException("unexpected object key " + e.getKey());
                }
                values.put(e.getKey(), AstartePayloads.toJava(m.type(), e.getValue()));
            }
            return new AstarteServerEvent(iface.name(), path, values, decoded.timestamp(), false);
        }
        AstarteMapping mapping = iface.mappingFor(path);
        if (mapping == null) {
            throw new IllegalArgumentException("no mapping matches the path");
        }
        if (payload.length == 0) {
            if (!iface.isProperties()) {
                throw new IllegalArgumentException("an empty payload on a datastream");
            }
            this.properties.remove(true, iface.name(), path);
            return new AstarteServerEvent(iface.name(), path, null, null, true);
        }
        AstartePayloads.Decoded decoded = AstartePayloads.decode(payload);
        Object value = AstartePayloads.toJava(mapping.type(), decoded.value());
        if (iface.isProperties()) {
            this.properties.put(true, iface.name(), path, iface.major(), payload);
        }
        return new AstarteServerEvent(iface.name(), path, value, decoded.timestamp(), false);
    }

    /** Astarte lists every server property it still has; the others are gone (spec §8). */
    private void purgeServerProperties(byte[] payload) {
        Set<String> keep;
        try {
            keep = AstartePurgeList.decode(payload);
        }
        catch (IllegalArgumentException ex) {
            logger.warn("Astarte: ignoring a consumer purge list: {}", ex.getMessage());
            return;
        }
        this.properties.all(true).forEach((entry, row) -> {
            if (!keep.contains(entry)) {
                this.properties.remove(true, row.interfaceName(), row.path());
            }
        });
    }
}

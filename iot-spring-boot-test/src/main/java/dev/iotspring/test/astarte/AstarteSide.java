package dev.iotspring.test.astarte;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.RecordedPublish;

/**
 * The Astarte side of the emulator: decodes what devices publish (data updater plant), keeps per-device
 * introspection and properties, answers {@code emptyCache} like {@code control_handler.ex}, publishes server data,
 * and treats device errors as Astarte does (disconnect and wipe the session).
 */
final class AstarteSide {

    private static final Logger logger = LoggerFactory.getLogger(AstarteSide.class);

    /** {@code name:major:minor} as {@code payloads_decoder.ex} accepts it. */
    private static final Pattern INTROSPECTION_ENTRY = Pattern.compile(
            "([a-zA-Z][a-zA-Z0-9]*\\.([a-zA-Z0-9][a-zA-Z0-9-]*\\.)*)?[a-zA-Z][a-zA-Z0-9]*:[0-9]+:[0-9]+");

    /** The per-session payload limit the Astarte VerneMQ plugin sets (spec §5). */
    static final int MAX_MESSAGE_SIZE = 65535;

    private final String realm;

    private final EmbeddedMqttBroker broker;

    private final boolean strict;

    private final Map<String, InstalledInterface> interfaces = new ConcurrentHashMap<>();

    private final Map<String, DeviceData> devices = new ConcurrentHashMap<>();

    private final List<DeviceError> errors = new ArrayList<>();

    /** The real server reacts after the publish is handled; one thread keeps reactions in order. */
    private final ExecutorService reactions = Executors.newSingleThreadExecutor((task) -> {
        Thread thread = new Thread(task, "astarte-emulator-side");
        thread.setDaemon(true);
        return thread;
    });

    private final Object lock = new Object();

    AstarteSide(String realm, EmbeddedMqttBroker broker, boolean strict) {
        this.realm = realm;
        this.broker = broker;
        this.strict = strict;
    }

    void install(InstalledInterface installed) {
        this.interfaces.put(installed.name(), installed);
    }

    String clientId(String deviceId) {
        return this.realm + "/" + deviceId;
    }

    // ------------------------------------------------------------------------------------ device → Astarte

    void onPublish(RecordedPublish publish) {
        String base = publish.clientId();
        if (!base.startsWith(this.realm + "/") || !(publish.topic().equals(base)
                || publish.topic().startsWith(base + "/"))) {
            return; // Not a device of this realm on its own topics: the broker refuses those anyway.
        }
        String deviceId = base.substring(this.realm.length() + 1);
        if (publish.payload().length > MAX_MESSAGE_SIZE && this.strict) {
            // VerneMQ's max_message_size: the connection is dropped, the session (and the data) stays.
            synchronized (this.lock) {
                this.errors.add(new DeviceError(deviceId, publish.topic(), "max_message_size_exceeded",
                        publish.receivedAt()));
                this.lock.notifyAll();
            }
            this.reactions.execute(() -> this.broker.disconnectClient(base));
            return;
        }
        DeviceData device = device(deviceId);
        String sub = publish.topic().substring(base.length());
        DeviceMessage message;
        String error = null;
        if (sub.isEmpty()) {
            message = message(DeviceMessage.Kind.INTROSPECTION, deviceId, publish, null, null, null, null, null);
            error = device.introspect(message.payloadAsString());
        }
        else if (sub.equals("/control/emptyCache")) {
            message = message(DeviceMessage.Kind.EMPTY_CACHE, deviceId, publish, null, null, null, null, null);
            this.reactions.execute(() -> answerEmptyCache(deviceId));
        }
        else if (sub.equals("/control/producer/properties")) {
            AstartePayloads.PurgeList list = null;
            try {
                list = AstartePayloads.decodePurgeList(publish.payload());
                device.purgeDeviceProperties(list.entries(), this::isDeviceProperties);
            }
            catch (IllegalArgumentException ex) {
                error = "invalid_purge_properties_payload";
            }
            message = message(DeviceMessage.Kind.PRODUCER_PROPERTIES, deviceId, publish, null, null, list, null, null);
        }
        else if (sub.equals("/capabilities")) {
            message = message(DeviceMessage.Kind.CAPABILITIES, deviceId, publish, null, null, null, null, null);
        }
        else if (sub.startsWith("/control/")) {
            message = message(DeviceMessage.Kind.CONTROL, deviceId, publish, null, null, null, null, null);
        }
        else {
            int slash = sub.indexOf('/', 1);
            String interfaceName = (slash > 0) ? sub.substring(1, slash) : sub.substring(1);
            String path = (slash > 0) ? sub.substring(slash) : "/";
            InstalledInterface installed = this.interfaces.get(interfaceName);
            if (publish.payload().length == 0) {
                message = message(DeviceMessage.Kind.UNSET, deviceId, publish, interfaceName, path, null, null, null);
                if (installed != null && !installed.properties()) {
                    error = "unset_on_datastream";
                }
            }
            else {
                AstartePayloads.Decoded decoded = null;
                try {
                    decoded = AstartePayloads.decode(publish.payload());
                }
                catch (IllegalArgumentException ex) {
                    error = "undecodable_bson_payload";
                }
                message = message(DeviceMessage.Kind.DATA, deviceId, publish, interfaceName, path,
                        (decoded != null) ? decoded.value() : null, (decoded != null) ? decoded.timestamp() : null,
                        (decoded != null) ? decoded.bsonType() : null);
            }
            if (error == null) {
                error = dataError(device, interfaceName, installed);
            }
            if (error == null && installed != null && installed.properties()) {
                device.deviceProperty(interfaceName + path, message.value());
            }
        }
        synchronized (this.lock) {
            device.messages.add(message);
            if (error != null && this.strict) {
                this.errors.add(new DeviceError(deviceId, publish.topic(), error, publish.receivedAt()));
            }
            this.lock.notifyAll();
        }
        if (error != null && this.strict) {
            logger.info("Device {} sent {} on {}: disconnecting it and wiping its session", deviceId, error,
                    publish.topic());
            this.reactions.execute(() -> this.broker.invalidateSession(base));
        }
    }

    private @Nullable String dataError(DeviceData device, String interfaceName, @Nullable InstalledInterface installed) {
        if (!device.hasInterface(interfaceName)) {
            return "interface_not_in_introspection";
        }
        if (installed != null && installed.serverOwned()) {
            return "write_on_server_owned_interface";
        }
        return null;
    }

    private boolean isDeviceProperties(String interfaceName) {
        InstalledInterface installed = this.interfaces.get(interfaceName);
        return installed != null && installed.properties() && !installed.serverOwned();
    }

    private static DeviceMessage message(DeviceMessage.Kind kind, String deviceId, RecordedPublish publish,
            @Nullable String interfaceName, @Nullable String path, @Nullable Object value,
            @Nullable Instant timestamp, @Nullable String bsonType) {
        return new DeviceMessage(kind, deviceId, publish.topic(), interfaceName, path, publish.qos(),
                publish.retain(), publish.payload(), value, timestamp, bsonType, publish.receivedAt());
    }

    /** {@code control_handler.ex}: the consumer purge list, then every server-owned property again. */
    private void answerEmptyCache(String deviceId) {
        DeviceData device = device(deviceId);
        Map<String, Object> properties = device.serverProperties();
        publishConsumerPurgeList(deviceId, properties.keySet());
        properties.forEach((key, value) -> publish(deviceId, "/" + key, AstartePayloads.bson(value, null), 2));
    }

    // ------------------------------------------------------------------------------------ Astarte → device

    CompletableFuture<Void> setServerProperty(String deviceId, String interfaceName, String path, Object value) {
        device(deviceId).serverProperty(interfaceName + path, value);
        return publish(deviceId, "/" + interfaceName + path, AstartePayloads.bson(value, null), 2);
    }

    CompletableFuture<Void> unsetServerProperty(String deviceId, String interfaceName, String path) {
        device(deviceId).serverProperty(interfaceName + path, null);
        return publish(deviceId, "/" + interfaceName + path, new byte[0], 2);
    }

    CompletableFuture<Void> publishConsumerPurgeList(String deviceId, Set<String> entries) {
        return publish(deviceId, "/control/consumer/properties", AstartePayloads.purgeList(entries), 2);
    }

    CompletableFuture<Void> publish(String deviceId, String subtopic, byte[] payload, int qos) {
        return this.broker.publish(clientId(deviceId) + subtopic, payload, qos);
    }

    // ---------------------------------------------------------------------------------------- queries

    DeviceData device(String deviceId) {
        return this.devices.computeIfAbsent(deviceId, (id) -> new DeviceData());
    }

    List<DeviceMessage> messages(String deviceId) {
        synchronized (this.lock) {
            return List.copyOf(device(deviceId).messages);
        }
    }

    List<DeviceError> errors(String deviceId) {
        synchronized (this.lock) {
            return this.errors.stream().filter((e) -> e.deviceId().equals(deviceId)).toList();
        }
    }

    List<DeviceMessage> await(String deviceId, Predicate<DeviceMessage> filter, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this.lock) {
            while (true) {
                List<DeviceMessage> matching = device(deviceId).messages.stream().filter(filter).toList();
                if (matching.size() >= count) {
                    return matching;
                }
                long millis = (deadline - System.nanoTime()) / 1_000_000;
                if (millis <= 0) {
                    throw new AssertionError("Expected " + count + " matching message(s) from device " + deviceId
                            + " within " + timeout + " but got " + matching.size() + "; all: "
                            + device(deviceId).messages);
                }
                try {
                    this.lock.wait(millis);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("Interrupted while waiting for device messages", ex);
                }
            }
        }
    }

    void clear() {
        synchronized (this.lock) {
            this.devices.values().forEach((d) -> d.messages.clear());
            this.errors.clear();
        }
    }

    void close() {
        this.reactions.shutdownNow();
    }

    /** What Astarte knows of one device. Messages are guarded by the side's lock, the maps are concurrent. */
    final class DeviceData {

        final List<DeviceMessage> messages = new ArrayList<>();

        private volatile Map<String, String> introspection = Map.of();

        private volatile boolean introspected;

        private final Map<String, Object> deviceProperties = new ConcurrentHashMap<>();

        private final Map<String, Object> serverProperties = new ConcurrentHashMap<>();

        /** Takes a new introspection; returns the error name when it is invalid (then the old one stays). */
        @Nullable String introspect(String text) {
            Map<String, String> entries = new LinkedHashMap<>();
            if (!text.isEmpty()) {
                for (String entry : text.split(";", -1)) {
                    if (!INTROSPECTION_ENTRY.matcher(entry).matches()) {
                        return "invalid_introspection";
                    }
                    int colon = entry.indexOf(':');
                    entries.put(entry.substring(0, colon), entry.substring(colon + 1));
                }
            }
            this.introspection = Map.copyOf(entries);
            this.introspected = true;
            return null;
        }

        boolean hasInterface(String name) {
            return this.introspected && this.introspection.containsKey(name);
        }

        Map<String, String> introspection() {
            return this.introspection;
        }

        void deviceProperty(String key, @Nullable Object value) {
            if (value == null) {
                this.deviceProperties.remove(key);
            }
            else {
                this.deviceProperties.put(key, value);
            }
        }

        void purgeDeviceProperties(Set<String> kept, Predicate<String> isDeviceProperties) {
            this.deviceProperties.keySet().removeIf((key) -> {
                int slash = key.indexOf('/');
                return isDeviceProperties.test(key.substring(0, slash)) && !kept.contains(key);
            });
        }

        Map<String, Object> deviceProperties() {
            return Map.copyOf(this.deviceProperties);
        }

        void serverProperty(String key, @Nullable Object value) {
            if (value == null) {
                this.serverProperties.remove(key);
            }
            else {
                this.serverProperties.put(key, value);
            }
        }

        Map<String, Object> serverProperties() {
            return Map.copyOf(this.serverProperties);
        }
    }
}

package dev.iotspring.test.spotflow;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.MqttAuthenticator;
import dev.iotspring.test.mqtt.MqttAuthenticator.Decision;
import dev.iotspring.test.mqtt.MqttAuthenticator.Decision.Refusal;
import dev.iotspring.test.mqtt.MqttConnectInfo;
import dev.iotspring.test.mqtt.MqttTopicAuthorizer;
import dev.iotspring.test.mqtt.RecordedPublish;

/**
 * The Azure-IoT-Hub-like side of the emulator on the embedded broker (spec §3–§5): CONNECT authentication
 * (client id, user name, SAS password), the topics a device may use, twin GET and reported PATCH answered on
 * {@code $iothub/twin/res/...}, desired-property patches sent to the device, and the stream-message recording.
 * Replies leave on one thread of their own, in order, never on the broker's interceptor thread.
 */
final class IotHubSide implements MqttAuthenticator, MqttTopicAuthorizer {

    private static final Logger logger = LoggerFactory.getLogger(IotHubSide.class);

    private static final Pattern TWIN_GET = Pattern.compile("\\$iothub/twin/GET/\\?\\$rid=([^&]+)");

    private static final Pattern TWIN_PATCH_REPORTED = Pattern
        .compile("\\$iothub/twin/PATCH/properties/reported/\\?\\$rid=([^&]+)");

    private final DeviceRegistry registry;

    private final TwinStore twins;

    private final Monitor monitor;

    private @Nullable EmbeddedMqttBroker broker;

    private final ExecutorService replies = Executors.newSingleThreadExecutor((runnable) -> {
        Thread thread = new Thread(runnable, "spotflow-emulator-hub");
        thread.setDaemon(true);
        return thread;
    });

    /** Guarded by itself; an ArrayList because a load test appends 100,000 messages. */
    private final List<StreamMessage> streamMessages = new ArrayList<>();

    private volatile boolean recordStreamMessages = true;

    private final AtomicLong streamMessageCount = new AtomicLong();

    private final List<TwinRequest> twinRequests = new CopyOnWriteArrayList<>();

    private final Deque<Refusal> forcedRefusals = new ArrayDeque<>();

    private final ScheduledExecutorService expiries = Executors.newSingleThreadScheduledExecutor((runnable) -> {
        Thread thread = new Thread(runnable, "spotflow-emulator-sas-expiry");
        thread.setDaemon(true);
        return thread;
    });

    /** The SAS token each client's current connection authenticated with. */
    private final Map<String, String> connectedWith = new ConcurrentHashMap<>();

    private volatile boolean disconnectAtSasExpiry = true;

    /** Status of twin GET responses; 0: no response at all. */
    private volatile int twinGetStatus = 200;

    /** Status of reported-PATCH responses; 0: no response at all. */
    private volatile int reportedPatchStatus = 204;

    private final Consumer<RecordedPublish> listener = this::onPublish;

    private final FileUploads uploads;

    IotHubSide(DeviceRegistry registry, TwinStore twins, FileUploads uploads, Monitor monitor) {
        this.registry = registry;
        this.uploads = uploads;
        this.twins = twins;
        this.monitor = monitor;
    }

    /** Plays the hub on {@code broker}, built with this as its authenticator and topic authorizer. */
    void attach(EmbeddedMqttBroker broker) {
        this.broker = broker;
        broker.addPublishListener(this.listener);
    }

    void close() {
        EmbeddedMqttBroker broker = this.broker;
        if (broker != null) {
            broker.removePublishListener(this.listener);
        }
        this.replies.shutdownNow();
        this.expiries.shutdownNow();
        try {
            this.replies.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------------------------------- CONNECT

    @Override
    public Decision authenticate(MqttConnectInfo connect) {
        Refusal forced;
        synchronized (this.forcedRefusals) {
            forced = this.forcedRefusals.poll();
        }
        if (forced != null) {
            return Decision.reject(forced);
        }
        String deviceId = this.registry.deviceIdOf(connect.clientId());
        if (deviceId == null) {
            // IoT Hub: "IotHub does not contain the specified device" (401003).
            return Decision.reject(Refusal.NOT_AUTHORIZED);
        }
        if (!this.registry.expectedUsername(connect.clientId()).equals(connect.username())) {
            return Decision.reject(Refusal.BAD_USERNAME_OR_PASSWORD);
        }
        String sas = connect.passwordAsString();
        return switch (this.registry.checkSas(deviceId, sas)) {
            case VALID -> {
                watchExpiry(connect.clientId(), deviceId, sas);
                yield Decision.accept();
            }
            // An expired signature is IoT Hub's 401003 "renew token": not authorized.
            case EXPIRED -> Decision.reject(Refusal.NOT_AUTHORIZED);
            case WRONG -> Decision.reject(Refusal.BAD_USERNAME_OR_PASSWORD);
        };
    }

    /** IoT Hub drops a connection when the SAS token it authenticated with expires (its 401003). */
    private void watchExpiry(String clientId, String deviceId, String sas) {
        this.connectedWith.put(clientId, sas);
        long delay = Math.max(0, this.registry.sasTimeLeft(sas).toMillis()) + 1;
        this.expiries.schedule(() -> {
            EmbeddedMqttBroker broker = this.broker;
            if (this.disconnectAtSasExpiry && broker != null && sas.equals(this.connectedWith.get(clientId))
                    && this.registry.checkSas(deviceId, sas) == DeviceRegistry.SasCheck.EXPIRED) {
                logger.debug("SAS token of {} expired; dropping its connection", clientId);
                broker.disconnectClient(clientId);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    void disconnectAtSasExpiry(boolean disconnect) {
        this.disconnectAtSasExpiry = disconnect;
    }

    void refuseNextConnects(Refusal refusal, int times) {
        synchronized (this.forcedRefusals) {
            for (int i = 0; i < times; i++) {
                this.forcedRefusals.add(refusal);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ topics

    @Override
    public boolean authorize(MqttConnectInfo client, Action action, String topic) {
        String id = client.clientId();
        if (action == Action.SUBSCRIBE) {
            return topic.equals("$iothub/twin/res/#") || topic.equals("$iothub/twin/PATCH/properties/desired/#")
                    || topic.equals("$iothub/methods/POST/#") || topic.equals("devices/" + id + "/messages/devicebound/#");
        }
        return topic.startsWith(eventsPrefix(id)) || topic.equals("devices/" + id + "/messages/events")
                || TWIN_GET.matcher(topic).matches() || TWIN_PATCH_REPORTED.matcher(topic).matches()
                || topic.startsWith("$iothub/methods/res/");
    }

    static String eventsPrefix(String hubDeviceId) {
        return "devices/" + hubDeviceId + "/messages/events/";
    }

    // ---------------------------------------------------------------------------------------- PUBLISH

    private void onPublish(RecordedPublish publish) {
        String deviceId = this.registry.deviceIdOf(publish.clientId());
        if (deviceId == null) {
            return;
        }
        String topic = publish.topic();
        String prefix = eventsPrefix(publish.clientId());
        if (topic.startsWith(prefix) || topic.equals(prefix.substring(0, prefix.length() - 1))) {
            if (this.recordStreamMessages) {
                StreamMessage message = StreamMessage.decode(deviceId, prefix, topic, publish.payload(),
                        publish.qos(), publish.retain(), publish.duplicate(), publish.receivedAt(),
                        (link) -> this.uploads.completedBlob(deviceId, link));
                synchronized (this.streamMessages) {
                    this.streamMessages.add(message);
                }
            }
            this.streamMessageCount.incrementAndGet();
            this.monitor.changed();
            return;
        }
        Matcher get = TWIN_GET.matcher(topic);
        if (get.matches()) {
            int status = this.twinGetStatus;
            record(deviceId, TwinRequest.Kind.GET, publish, get.group(1), status);
            if (status != 0) {
                String body = (status == 200) ? this.twins.fullTwin(deviceId) : "";
                reply(publish.clientId(), "$iothub/twin/res/" + status + "/?$rid=" + get.group(1), body);
            }
            return;
        }
        Matcher patch = TWIN_PATCH_REPORTED.matcher(topic);
        if (patch.matches()) {
            patchReported(deviceId, publish, patch.group(1));
        }
    }

    private void patchReported(String deviceId, RecordedPublish publish, String rid) {
        int status = this.reportedPatchStatus;
        ObjectNode patch = parseObject(publish.payloadAsString());
        if (patch == null) {
            status = (status == 0) ? 0 : 400;
        }
        record(deviceId, TwinRequest.Kind.PATCH_REPORTED, publish, rid, status);
        if (status == 204) {
            long version = this.twins.patchReported(deviceId, patch);
            reply(publish.clientId(), "$iothub/twin/res/204/?$rid=" + rid + "&$version=" + version, "");
        }
        else if (status != 0) {
            reply(publish.clientId(), "$iothub/twin/res/" + status + "/?$rid=" + rid, "");
        }
    }

    private void record(String deviceId, TwinRequest.Kind kind, RecordedPublish publish, String rid, int status) {
        this.twinRequests.add(new TwinRequest(deviceId, kind, publish.topic(), rid, publish.payloadAsString(), status,
                publish.receivedAt()));
        this.monitor.changed();
    }

    void twinGetStatus(int status) {
        this.twinGetStatus = status;
    }

    void reportedPatchStatus(int status) {
        this.reportedPatchStatus = status;
    }

    // ----------------------------------------------------------------------------------- hub to device

    /**
     * Applies a desired-properties merge patch and, when {@code publish}, sends it to the device as IoT Hub
     * does: topic {@code $iothub/twin/PATCH/properties/desired/?$version=N}, body the patch with
     * {@code "$version":N}. {@code skip} versions before it are consumed without being sent (a gap).
     * @return the new desired version
     */
    long patchDesired(String deviceId, String mergePatch, int skip, boolean publish) {
        ObjectNode patch = parseObject(mergePatch);
        if (patch == null) {
            throw new IllegalArgumentException("A desired-properties patch must be a JSON object: " + mergePatch);
        }
        long version = this.twins.patchDesired(deviceId, patch, skip).version();
        if (publish) {
            ObjectNode body = TwinStore.withVersion(patch, version);
            sendToDevice(deviceId, "$iothub/twin/PATCH/properties/desired/?$version=" + version,
                    TwinStore.JSON.writeValueAsString(body));
        }
        return version;
    }

    /** Queues a PUBLISH to the device's connection (after earlier replies); false if none was queued. */
    boolean sendToDevice(String deviceId, String topic, String payload) {
        String hubDeviceId = this.registry.hubDeviceId(deviceId);
        try {
            return this.replies.submit(() -> publishNow(hubDeviceId, topic, payload)).get(30, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
        catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex) {
            throw new IllegalStateException("Could not publish to " + hubDeviceId + " on " + topic, ex);
        }
    }

    private void reply(String clientId, String topic, String payload) {
        this.replies.execute(() -> publishNow(clientId, topic, payload));
    }

    private boolean publishNow(String clientId, String topic, String payload) {
        EmbeddedMqttBroker broker = this.broker;
        boolean sent = broker != null && broker.publishToClient(clientId, topic, payload.getBytes(StandardCharsets.UTF_8), 1);
        if (!sent) {
            logger.debug("No subscription of {} takes {}; not sent", clientId, topic);
        }
        return sent;
    }

    private static @Nullable ObjectNode parseObject(String json) {
        try {
            JsonNode node = TwinStore.JSON.readTree(json);
            return (node instanceof ObjectNode object) ? object : null;
        }
        catch (JacksonException ex) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------------- recordings

    List<StreamMessage> streamMessages() {
        synchronized (this.streamMessages) {
            return List.copyOf(this.streamMessages);
        }
    }

    int recordedStreamMessages() {
        synchronized (this.streamMessages) {
            return this.streamMessages.size();
        }
    }

    long streamMessageCount() {
        return this.streamMessageCount.get();
    }

    void recordStreamMessages(boolean record) {
        this.recordStreamMessages = record;
    }

    List<TwinRequest> twinRequests() {
        return List.copyOf(this.twinRequests);
    }

    void clear() {
        synchronized (this.streamMessages) {
            this.streamMessages.clear();
        }
        this.streamMessageCount.set(0);
        this.twinRequests.clear();
        synchronized (this.forcedRefusals) {
            this.forcedRefusals.clear();
        }
        this.twinGetStatus = 200;
        this.reportedPatchStatus = 204;
    }
}

package dev.iotspring.spotflow;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.MessageSender;
import dev.iotspring.core.queue.MessageIds;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.store.JdbcKeyValueStore;

/**
 * The device twin behind {@link DefaultSpotflowDevice}: desired properties applied in version order (a patch that is not the next version fetches
 * the whole twin; patches that arrive while a whole twin is awaited are replayed on top of it), stored so they are
 * known at the next start; reported properties queued durably and sent one by one as merge patches against the
 * last document the platform confirmed (the local copy moves only on the platform's answer, so a retried update
 * sends the same patch).
 */
public final class SpotflowTwin implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(SpotflowTwin.class);

    static final String DESIRED = "twin.desired";

    static final String REPORTED = "twin.reported";

    private static final String VERSION = "$version";

    /** Waits for the store the first time (it opens beside the application's startup). */
    private final Supplier<JdbcKeyValueStore> store;

    private final JsonMapper json;

    private final List<Consumer<DesiredProperties>> listeners = new CopyOnWriteArrayList<>();

    private final ExecutorService notifier = Executors.newSingleThreadExecutor((r) -> {
        Thread t = new Thread(r, "spotflow-desired-properties");
        t.setDaemon(true);
        return t;
    });

    private final Object lock = new Object();

    private @Nullable SpotflowHub hub;

    private @Nullable Dispatcher reportedDispatcher;

    /** Read from the store on first use, under {@link #lock}. */
    private @Nullable ObjectNode desired;

    private @Nullable ObjectNode reported;

    /** False from a connect until the whole twin was applied; patches meanwhile wait. */
    private boolean haveFullTwin;

    private final List<Patch> waiting = new ArrayList<>();

    private record Patch(long version, byte[] body) {
    }

    public SpotflowTwin(JdbcKeyValueStore store, JsonMapper json) {
        this(() -> store, json);
        Objects.requireNonNull(store, "store");
    }

    /**
     * @param store the twin's key-value namespace, possibly still opening: the stored twin is read when it is
     * first needed (a connect, a read or update of properties), which waits for it
     */
    public SpotflowTwin(Supplier<JdbcKeyValueStore> store, JsonMapper json) {
        this.store = Objects.requireNonNull(store, "store");
        this.json = Objects.requireNonNull(json, "json");
    }

    /** Holds {@link #lock}. */
    private void loadOnce() {
        if (this.desired == null || this.reported == null) {
            this.desired = load(DESIRED);
            this.reported = load(REPORTED);
        }
    }

    void attach(SpotflowHub hub) {
        this.hub = hub;
    }

    /** The dispatcher of the reported-properties queue, fed by {@link #reportedSender()}. */
    public void reportedDispatcher(Dispatcher dispatcher) {
        this.reportedDispatcher = dispatcher;
    }

    public @Nullable String getWorkspaceId() {
        SpotflowProvisioner.Credentials c = credentials();
        return (c != null) ? c.workspaceId() : null;
    }

    public @Nullable String getDeviceId() {
        SpotflowProvisioner.Credentials c = credentials();
        return (c != null) ? c.deviceId() : null;
    }

    private SpotflowProvisioner.@Nullable Credentials credentials() {
        SpotflowHub h = this.hub;
        return (h != null) ? h.provisioner().credentials() : null;
    }

    public DesiredProperties getDesiredProperties() {
        synchronized (this.lock) {
            loadOnce();
            return toProperties(this.desired);
        }
    }

    public void addDesiredPropertiesListener(Consumer<DesiredProperties> listener) {
        this.listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void updateReportedProperties(Map<String, ?> properties) {
        Objects.requireNonNull(properties, "properties");
        if (properties.containsKey(VERSION)) {
            throw new SpotflowValidationException("reportedProperties", "must not contain $version");
        }
        byte[] document;
        try {
            document = this.json.writeValueAsBytes(properties);
        }
        catch (JacksonException ex) {
            throw new SpotflowValidationException("reportedProperties", "cannot be written as JSON: "
                    + ex.getOriginalMessage());
        }
        Dispatcher dispatcher = Objects.requireNonNull(this.reportedDispatcher, "reported dispatcher");
        dispatcher.send(new OutboundMessage(MessageIds.next(), "reported", document, 1, false,
                Instant.now()));
    }

    public boolean anyPendingReportedPropertiesUpdates() {
        Dispatcher dispatcher = this.reportedDispatcher;
        return dispatcher != null && dispatcher.getQueue().size() > 0;
    }

    /** The reported twin version last confirmed; for tests and health. */
    long reportedVersion() {
        synchronized (this.lock) {
            loadOnce();
            return version(this.reported);
        }
    }

    /** Sends queued reported documents as merge patches; ready with the stream. */
    public MessageSender reportedSender() {
        return new MessageSender() {
            @Override
            public CompletableFuture<Void> send(OutboundMessage message) {
                SpotflowHub h = SpotflowTwin.this.hub;
                ObjectNode patch;
                synchronized (SpotflowTwin.this.lock) {
                    SpotflowTwin.this.loadOnce();
                    ObjectNode from = SpotflowTwin.this.reported.deepCopy();
                    from.remove(VERSION);
                    patch = JsonMergePatch.diff(from, (ObjectNode) SpotflowTwin.this.json
                        .readTree(message.payload()));
                }
                return h.twinRequest(SpotflowTopics.REPORTED_PATCH_PREFIX, SpotflowTwin.this.json
                    .writeValueAsBytes(patch)).thenAccept((answer) -> reportedAnswered(patch, answer.status()));
            }

            @Override
            public boolean isReady() {
                SpotflowHub h = SpotflowTwin.this.hub;
                return h != null && h.isReady();
            }
        };
    }

    private void reportedAnswered(ObjectNode patch, int status) {
        if (status < 200 || status >= 300) {
            // As the reference SDK: any answer ends the update; the next full document carries the state again.
            logger.warn("Spotflow: the platform answered a reported-properties update with status {}", status);
            return;
        }
        synchronized (this.lock) {
            loadOnce();
            long next = version(this.reported) + 1;
            this.reported = JsonMergePatch.apply(this.reported, patch);
            this.reported.put(VERSION, next);
            save(REPORTED, this.reported);
        }
    }

    // --------------------------------------------------------------------------- from the hub

    void connected() {
        synchronized (this.lock) {
            loadOnce();
            this.haveFullTwin = false;
        }
    }

    void fullTwin(byte[] body) {
        DesiredProperties notify = null;
        List<DesiredProperties> replayed = new ArrayList<>();
        synchronized (this.lock) {
            loadOnce();
            JsonNode twin = this.json.readTree(body);
            JsonNode d = twin.get("desired");
            JsonNode r = twin.get("reported");
            if (r != null && r.isObject()) {
                this.reported = (ObjectNode) r;
                save(REPORTED, this.reported);
            }
            if (d != null && d.isObject() && version(d) >= version(this.desired)) {
                this.desired = (ObjectNode) d;
                save(DESIRED, this.desired);
                notify = toProperties(this.desired);
            }
            this.haveFullTwin = true;
            List<Patch> queued = new ArrayList<>(this.waiting);
            this.waiting.clear();
            queued.sort((a, b) -> Long.compare(a.version(), b.version()));
            for (Patch p : queued) {
                if (p.version() == version(this.desired) + 1 && applyPatch(p)) {
                    replayed.add(toProperties(this.desired));
                }
            }
        }
        if (notify != null) {
            notifyListeners(notify);
        }
        replayed.forEach(this::notifyListeners);
    }

    void desiredPatch(long version, byte[] body) {
        DesiredProperties applied = null;
        boolean gap = false;
        synchronized (this.lock) {
            loadOnce();
            if (!this.haveFullTwin) {
                this.waiting.add(new Patch(version, body));
                return;
            }
            long current = version(this.desired);
            if (version == current + 1) {
                if (applyPatch(new Patch(version, body))) {
                    applied = toProperties(this.desired);
                }
            }
            else if (version > current) {
                gap = true;
            }
        }
        if (applied != null) {
            notifyListeners(applied);
        }
        if (gap && this.hub != null) {
            logger.info("Spotflow: desired-properties patch {} does not follow version {}; fetching the whole twin",
                    version, getDesiredProperties().version());
            this.hub.requestFullTwin();
        }
    }

    /** Holds the lock. */
    private boolean applyPatch(Patch p) {
        JsonNode patch;
        try {
            patch = this.json.readTree(p.body());
        }
        catch (JacksonException ex) {
            logger.warn("Spotflow: desired-properties patch {} is not JSON; ignored", p.version());
            return false;
        }
        if (!patch.isObject() || version(patch) != p.version()) {
            // The body and the topic disagree: dropped, as the reference SDK does.
            return false;
        }
        this.desired = JsonMergePatch.apply(this.desired, (ObjectNode) patch);
        this.desired.put(VERSION, p.version());
        save(DESIRED, this.desired);
        return true;
    }

    private void notifyListeners(DesiredProperties properties) {
        for (Consumer<DesiredProperties> listener : this.listeners) {
            this.notifier.execute(() -> {
                try {
                    listener.accept(properties);
                }
                catch (RuntimeException ex) {
                    logger.warn("Spotflow desired-properties listener failed", ex);
                }
            });
        }
    }

    @SuppressWarnings("unchecked")
    private DesiredProperties toProperties(ObjectNode node) {
        ObjectNode values = node.deepCopy();
        values.remove(VERSION);
        return new DesiredProperties(this.json.convertValue(values, Map.class), version(node));
    }

    private static long version(JsonNode node) {
        JsonNode v = node.get(VERSION);
        return (v != null && v.isNumber()) ? v.asLong() : 0;
    }

    private ObjectNode load(String key) {
        return this.store.get().get(key).map((bytes) -> (ObjectNode) this.json.readTree(bytes))
            .orElseGet(this.json::createObjectNode);
    }

    private void save(String key, ObjectNode value) {
        this.store.get().putString(key, new String(this.json.writeValueAsBytes(value), StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        this.notifier.shutdown();
    }

    @Override
    public String toString() {
        // Never waits for the store.
        SpotflowHub h = this.hub;
        SpotflowProvisioner.Credentials c = (h != null) ? h.provisioner().knownCredentials() : null;
        return "SpotflowTwin[" + ((c != null) ? c.workspaceId() + ":" + c.deviceId() : "not registered") + "]";
    }
}

package dev.iotspring.test.spotflow;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import reactor.netty.http.server.HttpServer;

import dev.iotspring.test.mqtt.EmbeddedMqttBroker;
import dev.iotspring.test.mqtt.MqttAuthenticator.Decision.Refusal;
import dev.iotspring.test.netty.IsolatedLoopHttpServer;
import dev.iotspring.test.tls.IssuedCertificate;
import dev.iotspring.test.tls.TestCertificateAuthority;

/**
 * An in-process Spotflow IoT Platform, generation A of {@code specs/spotflow.md}: the device HTTP API
 * (provisioning operations, approval, registration, registration-token refresh) on {@code 127.0.0.1} and an
 * Azure-IoT-Hub-like MQTT side on an {@link EmbeddedMqttBroker} of its own (HiveMQ CE with {@code $} topics
 * allowed). Every knob of spec §12 is a method here; state, handlers and fault switches live in package-private
 * classes.
 *
 * <pre>
 * try (SpotflowEmulator spotflow = SpotflowEmulator.builder().autoApprove(true).start()) {
 *     spotflow.url();                 // iot.spotflow.instance (http://127.0.0.1:port; https with tls(ca))
 *     spotflow.provisioningToken();   // iot.spotflow.provisioning-token
 *     spotflow.mqttPort();            // iot.spotflow.mqtt-port; the hub host name is in the register response
 *     spotflow.awaitStreamMessages(1, Duration.ofSeconds(30)).get(0).properties();
 * }
 * </pre>
 *
 * The operator calls of the platform ({@code PUT /workspaces/{ws}/provisioning-operations/approve},
 * {@code PUT|PATCH|GET /workspaces/{ws}/devices/{id}/desired-properties}, {@code GET .../reported-properties},
 * any {@code Bearer} token) are served too, for demos and tools, and so is IoT Hub's file upload for payloads
 * over 250,000 bytes ({@link #hubHttpPort()}); the stream message's link is resolved to the uploaded bytes.
 *
 * <p>Approval is manual by default: {@link #awaitPendingOperation(Duration)} then {@link #approve(String)}; until then
 * {@code complete} answers 202 (that is the "202 forever" switch). Device ids are the platform's (without
 * workspace); the MQTT client id is {@link #hubDeviceId(String)}.
 *
 * <p>Its length is one job, the façade a test holds: each method is a short delegation to the state
 * ({@code ProvisioningState}, {@code DeviceRegistry}, {@code TwinStore}), the handlers ({@code ProvisioningApi},
 * {@code OperatorApi}, {@code FileUploads}, {@code IotHubSide}) or the fault switches ({@code ProvisioningFaults}).
 */
public final class SpotflowEmulator implements AutoCloseable {

    /** The provisioning token a default emulator accepts. */
    public static final String DEFAULT_PROVISIONING_TOKEN = "spotflow-emulator-provisioning-token";

    private final String provisioningToken;

    private final boolean secure;

    private final DeviceRegistry registry;

    private final ProvisioningState provisioning;

    private final ProvisioningFaults faults = new ProvisioningFaults();

    private final ProvisioningApi api;

    private final TwinStore twins = new TwinStore();

    private final Monitor monitor = new Monitor();

    private final EmbeddedMqttBroker broker;

    private final FileUploads uploads;

    private final IotHubSide hub;

    private final IsolatedLoopHttpServer server;

    private SpotflowEmulator(Builder builder) {
        this.provisioningToken = builder.provisioningTokens.iterator().next();
        this.secure = builder.ca != null;
        this.registry = new DeviceRegistry(builder.clock, builder.workspaceId, builder.hubHostName,
                builder.registrationTokenLifetime, builder.sasLifetime);
        this.provisioning = new ProvisioningState(builder.clock, this.registry, this.monitor,
                builder.operationLifetime, builder.autoApproveAfterPolls);
        this.api = new ProvisioningApi(builder.clock, this.provisioning, this.registry, this.faults, this.monitor,
                builder.provisioningTokens);
        this.uploads = new FileUploads(this.registry);
        this.hub = new IotHubSide(this.registry, this.twins, this.uploads, this.monitor);
        // The hub as the broker's built authenticator and authorizer: broker().reset() keeps them.
        EmbeddedMqttBroker.Builder brokerBuilder = EmbeddedMqttBroker.builder()
            .allowDollarTopics(true)
            .authenticator(this.hub)
            .topicAuthorizer(this.hub);
        HttpServer http = HttpServer.create().host("127.0.0.1").port(0).handle(this.api::handle);
        brokerBuilder.persistentSessions(builder.persistentSessions);
        if (builder.ca != null) {
            brokerBuilder.tls(builder.ca);
            IssuedCertificate certificate = builder.ca.issueServer("localhost", "localhost", "127.0.0.1");
            http = IsolatedLoopHttpServer.secure(http, certificate.privateKey(),
                    certificate.chain().toArray(new java.security.cert.X509Certificate[0]));
        }
        this.broker = brokerBuilder.build();
        this.hub.attach(this.broker);
        this.api.extras(new OperatorApi(builder.workspaceId, this.provisioning, this.twins, this.hub), this.uploads);
        this.broker.start();
        try {
            this.server = IsolatedLoopHttpServer.bind("spotflow-emulator", http);
            this.uploads.blobHost(builder.hubHostName + ":" + this.server.port());
        }
        catch (RuntimeException ex) {
            this.broker.close();
            throw ex;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** An emulator with the defaults: plain http and MQTT, manual approval. */
    public static SpotflowEmulator start() {
        return builder().start();
    }

    // ---------------------------------------------------------------------------------------- addresses

    /** Base URL of the HTTP API, {@code http://127.0.0.1:<port>} ({@code https} with TLS). */
    public String url() {
        return (this.secure ? "https://" : "http://") + "127.0.0.1:" + this.server.port();
    }

    public int httpPort() {
        return this.server.port();
    }

    /**
     * The HTTPS port of the hub's own HTTP API (IoT Hub file upload, {@code https://<hub>/devices/{id}/files}):
     * served by the emulator's HTTP server, so the same as {@link #httpPort()}; blob URLs name
     * {@code <hubHostName>:<port>}.
     */
    public int hubHttpPort() {
        return this.server.port();
    }

    /** The MQTT port devices connect to: the TLS port with {@link Builder#tls}, else the plain TCP port. */
    public int mqttPort() {
        return this.secure ? this.broker.tlsPort() : this.broker.tcpPort();
    }

    /** The {@code iotHubHostName} the register response names (default {@code localhost}). */
    public String hubHostName() {
        return this.registry.hubHostName();
    }

    public String workspaceId() {
        return this.registry.workspaceId();
    }

    /** The (first) provisioning token the API accepts. */
    public String provisioningToken() {
        return this.provisioningToken;
    }

    /** The broker under the hub side, for its recordings (CONNECT, SUBSCRIBE, PUBLISH) and faults. */
    public EmbeddedMqttBroker broker() {
        return this.broker;
    }

    /** {@code <workspaceId>:<deviceId>}: the MQTT client id and topic identity of a device. */
    public String hubDeviceId(String deviceId) {
        return this.registry.hubDeviceId(deviceId);
    }

    /** The MQTT user name the hub expects from a device: {@code <hub>/<ws>:<device>/?api-version=2018-06-30}. */
    public String expectedUsername(String deviceId) {
        return this.registry.expectedUsername(hubDeviceId(deviceId));
    }

    // ------------------------------------------------------------------------------------- provisioning

    public List<ProvisioningOperation> operations() {
        return this.provisioning.operations();
    }

    /** The operation with this id. */
    public ProvisioningOperation operation(String operationId) {
        return operations().stream()
            .filter((o) -> o.id().equals(operationId))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("No provisioning operation " + operationId));
    }

    /**
     * Waits until an operation is pending (waiting for approval) and returns the newest such: the one a device
     * is polling, to {@link #approve} or {@link #cancel}.
     */
    public ProvisioningOperation awaitPendingOperation(Duration timeout) {
        List<ProvisioningOperation> pending = this.monitor.await(() -> operations().stream()
            .filter((o) -> o.status() == ProvisioningOperation.Status.PENDING)
            .toList(), 1, timeout, "pending provisioning operation");
        return pending.get(pending.size() - 1);
    }

    /** Waits until at least {@code count} operations were started; returns all. */
    public List<ProvisioningOperation> awaitOperations(int count, Duration timeout) {
        return this.monitor.await(this.provisioning::operations, count, timeout, "provisioning operation(s)");
    }

    /** Approves a pending operation (as {@code PUT /workspaces/{ws}/provisioning-operations/approve}). */
    public String approve(String operationId) {
        return this.provisioning.approve(operationId);
    }

    /** From now on, approves every operation at once ({@code true}) or waits for {@link #approve} ({@code false}). */
    public void autoApprove(boolean auto) {
        this.provisioning.autoApproveAfterPolls(auto ? 0 : -1);
    }

    /** From now on, approves an operation by itself once it was polled {@code polls} times (202 until then). */
    public void autoApproveAfterPolls(int polls) {
        this.provisioning.autoApproveAfterPolls(polls);
    }

    /** Cancels an operation: {@code complete} answers 410 {@code provisioningOperationCancelled} (fatal). */
    public void cancel(String operationId) {
        this.provisioning.close(operationId, ProvisioningOperation.Status.CANCELLED);
    }

    /** Expires an operation: {@code complete} answers 410 of another type (the device starts a new one). */
    public void expire(String operationId) {
        this.provisioning.close(operationId, ProvisioningOperation.Status.EXPIRED);
    }

    /** Lifetime of later provisioning operations (default 1 hour). */
    public void operationLifetime(Duration lifetime) {
        this.provisioning.operationLifetime(lifetime);
    }

    // ------------------------------------------------------------------------------------------- tokens

    /** Lifetime of later registration tokens; {@code null}: issued without {@code expirationTime}. */
    public void registrationTokenLifetime(@Nullable Duration lifetime) {
        this.registry.registrationTokenLifetime(lifetime);
    }

    /** Lifetime of later SAS tokens ({@code connectionStringExpiration}). */
    public void sasLifetime(Duration lifetime) {
        this.registry.sasLifetime(lifetime);
    }

    /** The device's current registration token, or null. */
    public @Nullable String registrationToken(String deviceId) {
        return this.registry.registrationToken(deviceId);
    }

    /** Invalidates the device's registration token: register and refresh answer 401 (re-provisioning). */
    public void revokeRegistrationToken(String deviceId) {
        this.registry.revokeRegistrationToken(deviceId);
    }

    /**
     * Lets every SAS token of the device expire now and drops its MQTT connection, as IoT Hub does at expiry:
     * the next CONNECT with that password is refused with not-authorized (5).
     */
    public void expireSas(String deviceId) {
        this.registry.expireSas(deviceId);
        this.broker.disconnectClient(hubDeviceId(deviceId));
    }

    /**
     * Whether a device's connection is dropped when the SAS token it connected with expires, as IoT Hub does
     * (default true; checked against the emulator's clock when the expiry is due).
     */
    public void disconnectAtSasExpiry(boolean disconnect) {
        this.hub.disconnectAtSasExpiry(disconnect);
    }

    /**
     * Provisions and registers a device at once, without the HTTP API, and returns its hub credentials: for a
     * plain MQTT client (a benchmark's baseline, a tool) that talks to the hub side directly.
     */
    public HubCredentials registerDevice(String deviceId) {
        DeviceRegistry.Registration registration = this.registry
            .register(this.registry.issueRegistrationToken(deviceId).token());
        String hubDeviceId = hubDeviceId(deviceId);
        return new HubCredentials(registration.hubHostName(), hubDeviceId,
                this.registry.expectedUsername(hubDeviceId), registration.sas());
    }

    /** Devices that got a registration token, in order. */
    public List<String> devices() {
        return this.registry.deviceIds();
    }

    // --------------------------------------------------------------------------------------- HTTP faults

    /** The next call of {@code endpoint} answers {@code status} (problem details), then normal service. */
    public void failNext(SpotflowEndpoint endpoint, int status) {
        failNext(endpoint, status, 1);
    }

    /** The next {@code times} calls of {@code endpoint} answer {@code status}. */
    public void failNext(SpotflowEndpoint endpoint, int status, int times) {
        this.faults.failNext(endpoint, status, times);
    }

    /** Every call of {@code endpoint} answers {@code status} until cleared with {@code null}. */
    public void failAlways(SpotflowEndpoint endpoint, @Nullable Integer status) {
        this.faults.failAlways(endpoint, status);
    }

    /** Workspace disabled: every authenticated call answers 423. */
    public void workspaceDisabled(boolean disabled) {
        this.faults.workspaceDisabled(disabled);
    }

    /**
     * Blob uploads take {@code latency} to arrive, as over a slow uplink: the blob store answers each PUT that much
     * later (zero by default; {@link #clearFaults()} resets it).
     */
    public void blobUploadLatency(Duration latency) {
        this.api.blobUploadLatency(latency);
    }

    /** Every HTTP fault switch off. */
    public void clearFaults() {
        this.faults.clear();
        this.api.blobUploadLatency(Duration.ZERO);
    }

    /** Every HTTP request, in arrival order, with the status it got. */
    public List<RecordedHttpRequest> requests() {
        return this.api.requests();
    }

    public List<RecordedHttpRequest> requests(SpotflowEndpoint endpoint) {
        return this.api.requests().stream().filter((r) -> r.endpoint() == endpoint).toList();
    }

    /** Waits until {@code endpoint} received at least {@code count} requests; returns them. */
    public List<RecordedHttpRequest> awaitRequests(SpotflowEndpoint endpoint, int count, Duration timeout) {
        return this.monitor.await(() -> requests(endpoint), count, timeout, endpoint + " request(s)");
    }

    // ---------------------------------------------------------------------------------------- hub: MQTT

    /** The next {@code times} CONNECTs are refused with {@code refusal} (e.g. not-authorized, CONNACK 5). */
    public void refuseNextConnects(Refusal refusal, int times) {
        this.hub.refuseNextConnects(refusal, times);
    }

    public boolean isDeviceConnected(String deviceId) {
        return this.broker.isClientConnected(hubDeviceId(deviceId));
    }

    /** Drops the device's network connection from the hub side. */
    public boolean disconnectDevice(String deviceId) {
        return this.broker.disconnectClient(hubDeviceId(deviceId));
    }

    /** Stops the broker (every device disconnected, port closed); {@link #startBroker()} brings it back. */
    public void stopBroker() {
        this.broker.stop();
    }

    /** Starts the broker again on the same ports. */
    public void startBroker() {
        this.broker.start();
    }

    /** Holds the PUBACK of every later stream message until {@link #releaseAcks()}; twin traffic is acked. */
    public void withholdStreamAcks() {
        this.broker.withholdAcks((publish) -> publish.topic().startsWith("devices/")
                && publish.topic().contains("/messages/events"));
    }

    /** Sends every held PUBACK and stops holding. */
    public void releaseAcks() {
        this.broker.releaseAcks();
    }

    public void awaitHeldAcks(int count, Duration timeout) {
        this.broker.awaitHeldAcks(count, timeout);
    }

    // ------------------------------------------------------------------------------------ hub: messages

    /** Every stream message (and completion) received, in arrival order, decoded. */
    public List<StreamMessage> streamMessages() {
        return this.hub.streamMessages();
    }

    /** Waits until at least {@code count} stream messages arrived; returns all (linear in their number). */
    public List<StreamMessage> awaitStreamMessages(int count, Duration timeout) {
        return this.monitor.await(this.hub::recordedStreamMessages, this.hub::streamMessages, count, timeout,
                "stream message(s)");
    }

    /**
     * Whether stream messages are kept for {@link #streamMessages()} (default true). Off for load tests and
     * benchmarks; {@link #streamMessageCount()} still counts them.
     */
    public void recordStreamMessages(boolean record) {
        this.hub.recordStreamMessages(record);
    }

    /** Stream messages received since start or {@link #clearRecordings()}, recorded or not (duplicates too). */
    public long streamMessageCount() {
        return this.hub.streamMessageCount();
    }

    // ---------------------------------------------------------------------------------------- hub: twin

    /** Every twin GET and reported PATCH received, with the status answered. */
    public List<TwinRequest> twinRequests() {
        return this.hub.twinRequests();
    }

    public List<TwinRequest> awaitTwinRequests(TwinRequest.Kind kind, int count, Duration timeout) {
        return this.monitor.await(() -> this.hub.twinRequests().stream().filter((r) -> r.kind() == kind).toList(),
                count, timeout, kind + " twin request(s)");
    }

    public TwinDocument desiredProperties(String deviceId) {
        return this.twins.desired(deviceId);
    }

    public TwinDocument reportedProperties(String deviceId) {
        return this.twins.reported(deviceId);
    }

    /**
     * Applies a desired-properties JSON merge patch (version + 1) and sends it to the device on
     * {@code $iothub/twin/PATCH/properties/desired/?$version=N}. Works before the device exists (the twin is
     * then what its first GET returns).
     * @return the new desired version
     */
    public long patchDesired(String deviceId, String mergePatchJson) {
        return this.hub.patchDesired(deviceId, mergePatchJson, 0, true);
    }

    /**
     * Like {@link #patchDesired} but {@code skipped} versions are consumed first without being sent: the device
     * sees a gap (its version + 1 + skipped) and must fetch the full twin.
     */
    public long patchDesiredWithGap(String deviceId, String mergePatchJson, int skipped) {
        return this.hub.patchDesired(deviceId, mergePatchJson, skipped, true);
    }

    /** Applies a desired patch (version + 1) without telling the device (a lost notification). */
    public long patchDesiredSilently(String deviceId, String mergePatchJson) {
        return this.hub.patchDesired(deviceId, mergePatchJson, 0, false);
    }

    /** Publishes any bytes on any topic to the device's connection (e.g. a malformed desired patch). */
    public boolean sendToDevice(String deviceId, String topic, String payload) {
        return this.hub.sendToDevice(deviceId, topic, payload);
    }

    /** Status of later twin GET responses (default 200); 0: never answer (the device then sends nothing). */
    public void twinGetStatus(int status) {
        this.hub.twinGetStatus(status);
    }

    /** Status of later reported-PATCH responses (default 204); 0: never answer. */
    public void reportedPatchStatus(int status) {
        this.hub.reportedPatchStatus(status);
    }

    // ------------------------------------------------------------------------------------------ general

    /** Clears HTTP requests, stream messages, twin requests and the broker's recordings; faults off. */
    public void clearRecordings() {
        this.api.clearRequests();
        this.hub.clear();
        this.faults.clear();
        this.broker.releaseAcks();
        this.broker.clearRecordings();
    }

    /** Stops the HTTP server and the broker and deletes the broker's folders. */
    @Override
    public void close() {
        try {
            this.server.close(Duration.ofSeconds(10));
        }
        finally {
            this.hub.close();
            this.broker.close();
        }
    }

    @Override
    public String toString() {
        return "SpotflowEmulator[url=" + url() + ", mqttPort=" + mqttPort() + ", workspace=" + workspaceId() + "]";
    }

    /** Settings of a {@link SpotflowEmulator}. */
    public static final class Builder {

        private String workspaceId = UUID.randomUUID().toString();

        private final Set<String> provisioningTokens = new LinkedHashSet<>(Set.of(DEFAULT_PROVISIONING_TOKEN));

        private String hubHostName = "localhost";

        private int autoApproveAfterPolls = -1;

        private Duration operationLifetime = Duration.ofHours(1);

        private @Nullable Duration registrationTokenLifetime = Duration.ofDays(14);

        private Duration sasLifetime = Duration.ofHours(1);

        private @Nullable TestCertificateAuthority ca;

        private Clock clock = Clock.systemUTC();

        private boolean persistentSessions;

        private Builder() {
        }

        /**
         * Keeps MQTT sessions (subscriptions, queued messages of clean-session-false devices) across
         * {@link SpotflowEmulator#stopBroker()} / {@link SpotflowEmulator#startBroker()}; default false.
         */
        public Builder persistentSessions(boolean persistent) {
            this.persistentSessions = persistent;
            return this;
        }

        /** The workspace id (default a random UUID). */
        public Builder workspaceId(String workspaceId) {
            this.workspaceId = Objects.requireNonNull(workspaceId, "workspaceId");
            return this;
        }

        /** The provisioning tokens the API accepts, replacing the default one; the first is the main one. */
        public Builder provisioningTokens(String... tokens) {
            if (tokens.length == 0) {
                throw new IllegalArgumentException("At least one provisioning token");
            }
            this.provisioningTokens.clear();
            this.provisioningTokens.addAll(List.of(tokens));
            return this;
        }

        /** The {@code iotHubHostName} handed out by register and expected in the MQTT user name. */
        public Builder hubHostName(String hubHostName) {
            this.hubHostName = Objects.requireNonNull(hubHostName, "hubHostName");
            return this;
        }

        /** Approve every operation at once (default false: manual approval). */
        public Builder autoApprove(boolean auto) {
            this.autoApproveAfterPolls = auto ? 0 : -1;
            return this;
        }

        /** Approve an operation by itself after {@code polls} {@code complete} calls answered 202. */
        public Builder autoApproveAfterPolls(int polls) {
            this.autoApproveAfterPolls = polls;
            return this;
        }

        public Builder operationLifetime(Duration lifetime) {
            this.operationLifetime = Objects.requireNonNull(lifetime, "lifetime");
            return this;
        }

        /** Registration token lifetime (default 14 days); {@code null}: tokens without expiry. */
        public Builder registrationTokenLifetime(@Nullable Duration lifetime) {
            this.registrationTokenLifetime = lifetime;
            return this;
        }

        /** SAS token lifetime (default 1 hour, IoT Hub's usual). */
        public Builder sasLifetime(Duration lifetime) {
            this.sasLifetime = Objects.requireNonNull(lifetime, "lifetime");
            return this;
        }

        /**
         * Serves https (certificate for {@code localhost} and {@code 127.0.0.1}) and MQTT over TLS
         * (certificate for {@code localhost}, the default hub host name), both issued by {@code ca}.
         */
        public Builder tls(TestCertificateAuthority ca) {
            this.ca = Objects.requireNonNull(ca, "ca");
            return this;
        }

        /** The clock for token and operation expiry (default UTC system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** A started emulator. */
        public SpotflowEmulator start() {
            return new SpotflowEmulator(this);
        }
    }
}

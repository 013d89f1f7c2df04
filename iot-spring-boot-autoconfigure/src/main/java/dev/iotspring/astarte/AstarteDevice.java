package dev.iotspring.astarte;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import reactor.core.publisher.Flux;

/**
 * One Astarte device: sends datastreams and properties on the interfaces it declares and receives what Astarte
 * writes to its server-owned interfaces.
 *
 * <p>Every send is checked against the interface first and throws {@link AstarteValidationException} (nothing
 * is queued) when Astarte would refuse it. The returned future completes when the broker acknowledged the message
 * at the mapping's QoS (QoS 0: when written). Datastreams with {@code retention: stored} and all properties wait
 * in the durable SQLite queue while the broker is unreachable, {@code volatile} ones in memory; {@code discard}
 * ones fail at once when the device is not connected.
 */
public interface AstarteDevice {

    CompletableFuture<Void> send(String interfaceName, String path, Object value);

    /** For mappings with {@code explicit_timestamp: true}. */
    CompletableFuture<Void> send(String interfaceName, String path, Object value, Instant timestamp);

    /** An object aggregate on an object interface; {@code path} is the mappings' common prefix, keys their last segment. */
    CompletableFuture<Void> sendAggregate(String interfaceName, String path, Map<String, ?> values);

    CompletableFuture<Void> sendAggregate(String interfaceName, String path, Map<String, ?> values, Instant timestamp);

    /**
     * Sets (and stores) a device property; sent again on every new session. A value equal to the stored one whose
     * last send the broker acknowledged is not sent again: the returned future is already complete.
     */
    CompletableFuture<Void> setProperty(String interfaceName, String path, Object value);

    /** Unsets a device property whose mapping has {@code allow_unset}. */
    CompletableFuture<Void> unsetProperty(String interfaceName, String path);

    /** A property as stored: device-owned as last set, server-owned as last received. */
    Optional<Object> getProperty(String interfaceName, String path);

    String getDeviceId();

    boolean isConnected();

    /** Receives server-owned data and properties (listener beans are added automatically). */
    void addListener(AstarteServerListener listener);

    /** Server-owned data and properties as they arrive, for reactive consumers (hot: from subscription on). */
    Flux<AstarteServerEvent> receive();

    /** Messages accepted and not yet acknowledged. */
    int pendingMessages();

    /** Messages discarded by a queue's overflow rule or their expiry. */
    long droppedMessages();

    /** Waits until every accepted message was acknowledged; whether that happened within the timeout. */
    boolean flush(Duration timeout);
}

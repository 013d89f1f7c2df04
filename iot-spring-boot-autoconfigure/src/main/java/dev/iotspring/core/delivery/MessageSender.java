package dev.iotspring.core.delivery;

import java.util.concurrent.CompletableFuture;

import dev.iotspring.core.queue.OutboundMessage;

/**
 * The wire side of a {@link Dispatcher}: an MQTT connection, an HTTP client. The returned future completes
 * when the broker or server acknowledged the message (PUBACK, 2xx), never on hand-off to a client library.
 */
public interface MessageSender {

    CompletableFuture<Void> send(OutboundMessage message);

    /** Whether sending can succeed now (connected, authenticated); the dispatcher waits while it is not. */
    boolean isReady();

    /**
     * Whether a failure means the connection closed while the message was on the wire. The dispatcher's
     * poison-message rule ({@link Dispatcher.Builder#poisonThreshold}) counts these for the oldest message in
     * flight; senders that cannot tell keep the default (never), so their failures are always retried.
     */
    default boolean isConnectionLoss(Throwable failure) {
        return false;
    }

    /**
     * Whether the thread that completes this sender's futures may carry the dispatcher's work (settling the
     * outcome: a durable queue's commit, listeners, futures; then the next send). Default true: an MQTT client's
     * own callback thread. Return false when futures complete on a thread shared with other work that must not
     * block, such as an HTTP client's event loop; the dispatcher's thread then settles them.
     */
    default boolean settlesOnCompletingThread() {
        return true;
    }
}

package dev.iotspring.core.observe;

/**
 * Meter names and tags shared by every platform (ARCHITECTURE.md, "Observability"). Every meter carries the
 * tag {@value #TAG_PLATFORM}.
 */
public final class IotMetrics {

    public static final String TAG_PLATFORM = "platform";

    public static final String TAG_OUTCOME = "outcome";

    /** Counter: messages acknowledged by the broker or server. */
    public static final String MESSAGES_SENT = "iot.messages.sent";

    /** Counter: messages that failed permanently. */
    public static final String MESSAGES_FAILED = "iot.messages.failed";

    /** Counter: messages discarded by a queue's overflow rule. */
    public static final String MESSAGES_DROPPED = "iot.messages.dropped";

    /** Gauge: messages accepted and not acknowledged yet. */
    public static final String QUEUE_SIZE = "iot.queue.size";

    /** Timer: from enqueue to acknowledgement. */
    public static final String PUBLISH_LATENCY = "iot.publish.latency";

    /** Gauge: 1 when connected, 0 otherwise. */
    public static final String CONNECTION_STATE = "iot.connection.state";

    /** Counter with tag {@value #TAG_OUTCOME} (success, failure, reregistered). */
    public static final String HEARTBEATS = "iot.heartbeats";

    private IotMetrics() {
    }
}

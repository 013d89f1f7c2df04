package dev.iotspring.streamsea;

import java.time.Duration;
import java.util.Objects;

/**
 * Opt-in batch publishing ({@code iot.stream-sea.batch.*}): queued publishes of one stream that follow each other
 * go out as one request whose {@code payload} is the JSON array of their payloads, the batch feature of
 * stream-sea's PHP client. Order is kept: a batch holds only consecutive messages of one stream, and at most
 * {@code requestsInFlight} requests are outstanding.
 *
 * @param maxSize most messages in one request
 * @param maxWait how long a batch that is not full waits for more messages while no request is outstanding;
 *     zero sends at once (batches then form only while a request is outstanding)
 * @param requestsInFlight most publish requests outstanding at once ({@code queue.in-flight}); 1 keeps the order
 *     on the server
 */
public record StreamSeaPublishBatching(int maxSize, Duration maxWait, int requestsInFlight) {

    /** Largest {@code max-size}: a bigger request only adds latency and memory. */
    public static final int MAX_SIZE_LIMIT = 10_000;

    public StreamSeaPublishBatching {
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxSize < 1 || maxSize > MAX_SIZE_LIMIT) {
            throw new IllegalArgumentException("maxSize must be between 1 and " + MAX_SIZE_LIMIT + " but was "
                    + maxSize);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative");
        }
        if (requestsInFlight < 1) {
            throw new IllegalArgumentException("requestsInFlight must be at least 1 but was " + requestsInFlight);
        }
    }

    /**
     * The dispatcher's window: the outstanding batches plus one being filled, so the next batch is ready when an
     * answer arrives.
     */
    int dispatcherWindow() {
        return this.maxSize * (this.requestsInFlight + 1);
    }
}

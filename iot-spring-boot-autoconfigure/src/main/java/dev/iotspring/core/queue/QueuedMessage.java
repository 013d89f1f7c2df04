package dev.iotspring.core.queue;

/**
 * A message as a queue hands it out: the message plus the queue's own position for it. The position lets a
 * queue put a failed message back exactly where it was, so FIFO order survives a reconnect.
 *
 * @param sequence position assigned by the queue when the message was accepted (monotonic per queue)
 * @param message the message itself
 */
public record QueuedMessage(long sequence, OutboundMessage message) {
}

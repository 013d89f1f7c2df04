package dev.iotspring.core.queue;

/**
 * Told about every message a queue's overflow rule discarded, so whoever waits for it (a send future) can be
 * completed. Called on the thread that offered the message that caused the drop; keep it short.
 */
@FunctionalInterface
public interface DropListener {

    void dropped(OutboundMessage message);
}

package dev.iotspring.core.queue;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link DropListener}s of one queue. A listener that throws is logged and does not keep the others from
 * being told. Queue implementations call {@link #dropped} outside their locks.
 */
public final class DropListeners {

    private final Logger logger;

    private final List<DropListener> listeners = new CopyOnWriteArrayList<>();

    /** @param owner the queue class, whose logger reports failing listeners */
    public DropListeners(Class<?> owner) {
        this.logger = LoggerFactory.getLogger(owner);
    }

    public void add(DropListener listener) {
        this.listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Tells every listener about {@code message}. */
    public void dropped(OutboundMessage message) {
        for (DropListener listener : this.listeners) {
            try {
                listener.dropped(message);
            }
            catch (RuntimeException ex) {
                this.logger.warn("Drop listener failed for message {}", message.id(), ex);
            }
        }
    }
}

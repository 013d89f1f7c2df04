package dev.iotspring.integration;

import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.integration.endpoint.MessageProducerSupport;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessagingException;
import org.springframework.messaging.support.ErrorMessage;

/**
 * An inbound channel adapter fed by one of a platform bean's {@link Flux}es (subscribed on start, cancelled on
 * stop).
 *
 * <p>Handoff: the platform emits on its own I/O thread, which only appends to a bounded buffer
 * ({@link #setBufferSize}, 1000 messages by default) and never waits for the output channel. One thread per adapter
 * takes from the buffer and sends to the output channel, in arrival order. When the channel is slower than the
 * platform for long enough to fill the buffer, the newest arrivals are dropped, counted
 * ({@link #droppedMessages()}) and logged (the first drop and every thousandth): the platform's connection is never
 * held up, and memory stays bounded. A message the output channel refuses goes to the error channel when one is set
 * (logged otherwise); an error that ends the platform's stream goes there too, as an {@link ErrorMessage}.
 *
 * @param <T> what the platform's stream emits
 */
public abstract class IotMessageDrivenChannelAdapter<T> extends MessageProducerSupport {

    private static final Logger logger = LoggerFactory.getLogger(IotMessageDrivenChannelAdapter.class);

    private int bufferSize = 1000;

    private final AtomicLong dropped = new AtomicLong();

    private @Nullable Scheduler scheduler;

    private @Nullable Disposable subscription;

    /** How many messages may wait for the output channel before new ones are dropped (1000 by default). */
    public void setBufferSize(int bufferSize) {
        if (bufferSize < 1) {
            throw new IllegalArgumentException("bufferSize must be at least 1, was " + bufferSize);
        }
        this.bufferSize = bufferSize;
    }

    /** Messages dropped because the buffer to the output channel was full, since this adapter was created. */
    public long droppedMessages() {
        return this.dropped.get();
    }

    /** The platform's id, as in {@code iot.<platform>.*}. */
    protected abstract String platform();

    /** What to subscribe to on start. */
    protected abstract Flux<T> source();

    /** The message for one element of {@link #source()}. */
    protected abstract Message<?> toMessage(T element);

    @Override
    public String getComponentType() {
        return "iot:" + platform() + ":inbound-channel-adapter";
    }

    @Override
    protected void doStart() {
        Scheduler worker = Schedulers.newSingle("iot-" + platform() + "-inbound", true);
        this.scheduler = worker;
        this.subscription = source()
            .onBackpressureBuffer(this.bufferSize, this::dropped, BufferOverflowStrategy.DROP_LATEST)
            .publishOn(worker, 1)
            .subscribe(this::deliver, this::failed);
    }

    @Override
    protected void doStop() {
        Disposable current = this.subscription;
        if (current != null) {
            current.dispose();
        }
        Scheduler worker = this.scheduler;
        if (worker != null) {
            worker.dispose();
        }
        this.subscription = null;
        this.scheduler = null;
    }

    private void deliver(T element) {
        try {
            sendMessage(toMessage(element));
        }
        catch (RuntimeException ex) {
            // sendMessage already tried the error channel; without one, the message is lost and said so.
            logger.error("The output channel of the {} inbound adapter '{}' refused a message", platform(),
                    getComponentName(), ex);
        }
    }

    private void dropped(T element) {
        long count = this.dropped.incrementAndGet();
        if (count == 1 || count % 1000 == 0) {
            logger.warn("The output channel of the {} inbound adapter '{}' is slower than the platform: {} "
                    + "message(s) dropped so far (buffer of {})", platform(), getComponentName(), count,
                    this.bufferSize);
        }
    }

    private void failed(Throwable failure) {
        MessagingException error = new MessagingException("The " + platform() + " stream of the inbound adapter '"
                + getComponentName() + "' ended with an error: " + failure.getMessage(), failure);
        MessageChannel errorChannel = getErrorChannel();
        try {
            if (errorChannel != null) {
                getMessagingTemplate().send(errorChannel, new ErrorMessage(error));
                return;
            }
        }
        catch (RuntimeException ex) {
            error.addSuppressed(ex);
        }
        logger.error(error.getMessage(), error);
    }
}

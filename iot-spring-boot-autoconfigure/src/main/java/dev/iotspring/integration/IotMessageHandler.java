package dev.iotspring.integration;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.config.IotValidationException;

import org.springframework.integration.MessageTimeoutException;
import org.springframework.integration.handler.AbstractMessageProducingHandler;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHandlingException;

/**
 * An outbound channel adapter that hands each message to a platform bean, which queues it and returns a future
 * completed on the platform's acknowledgement. The queue, its order and its acknowledgement are the bean's: this
 * handler adds no buffering or retry of its own.
 *
 * <ul>
 * <li>A caller error (a missing header, a value the platform refuses before queueing, a full queue under
 * {@code raise-exception}, a stopping application) is thrown at once, wrapped in a
 * {@link MessageHandlingException}, to the thread that sent the message: nothing was queued.</li>
 * <li>Async mode (the default): the handler returns as soon as the message is queued. On acknowledgement the
 * output channel (or {@code replyChannel} header), when there is one, gets a message with the acknowledgement (or,
 * for platforms whose acknowledgement carries nothing, the original payload) and the request's headers. When the
 * platform fails the message (rejected for good, dropped by the overflow rule, not sent before shutdown), an
 * {@code ErrorMessage} with a {@link MessageHandlingException} goes to the request's {@code errorChannel} header
 * or the application's {@code errorChannel}; so does an exception thrown by the next step of the flow. Both are
 * sent on the platform's delivery thread: make a slow output an executor or queue channel.</li>
 * <li>Sync mode ({@code setAsync(false)}): the handler waits for the acknowledgement, at most the sync timeout
 * (30 s), and throws what failed; a timeout ({@link MessageTimeoutException}) leaves the message queued, to be
 * sent later.</li>
 * </ul>
 *
 * @param <R> what the platform's future completes with
 */
public abstract class IotMessageHandler<R> extends AbstractMessageProducingHandler {

    private Duration syncTimeout = Duration.ofSeconds(30);

    protected IotMessageHandler() {
        setAsync(true);
    }

    /** How long sync mode waits for the acknowledgement (30 s by default). */
    public void setSyncTimeout(Duration syncTimeout) {
        Objects.requireNonNull(syncTimeout, "syncTimeout");
        if (syncTimeout.isNegative() || syncTimeout.isZero()) {
            throw new IllegalArgumentException("syncTimeout must be positive, was " + syncTimeout);
        }
        this.syncTimeout = syncTimeout;
    }

    /** The platform's id, as in {@code iot.<platform>.*} and the meters' {@code platform} tag. */
    protected abstract String platform();

    /**
     * Hands the message to the platform's bean.
     * @return the bean's future, completed on the platform's acknowledgement
     * @throws RuntimeException a caller error: nothing was queued
     */
    protected abstract CompletableFuture<R> send(Message<?> message);

    @Override
    public String getComponentType() {
        return "iot:" + platform() + ":outbound-channel-adapter";
    }

    @Override
    protected final void handleMessageInternal(Message<?> message) {
        CompletableFuture<R> acknowledged = send(message);
        if (isAsync()) {
            acknowledged.whenComplete((result, failure) -> {
                if (failure != null) {
                    sendErrorMessage(message, failed(message, unwrap(failure)));
                }
                else {
                    try {
                        replyIfWanted(result, message);
                    }
                    catch (RuntimeException ex) {
                        // A failing next step runs on the platform's thread: nobody up the stack would see it.
                        sendErrorMessage(message, ex);
                    }
                }
            });
        }
        else {
            replyIfWanted(await(acknowledged, message), message);
        }
    }

    private void replyIfWanted(@Nullable R result, Message<?> message) {
        if (getOutputChannel() != null || message.getHeaders().getReplyChannel() != null) {
            produceOutput((result != null) ? result : message.getPayload(), message);
        }
    }

    private @Nullable R await(CompletableFuture<R> acknowledged, Message<?> message) {
        try {
            return acknowledged.get(this.syncTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (TimeoutException ex) {
            throw new MessageTimeoutException(message, "No acknowledgement from " + platform() + " within "
                    + this.syncTimeout + "; the message stays queued and is sent later");
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new MessageHandlingException(message, "Interrupted while waiting for " + platform()
                    + " to acknowledge the message; it stays queued", ex);
        }
        catch (ExecutionException ex) {
            throw failed(message, unwrap(ex));
        }
    }

    private MessageHandlingException failed(Message<?> message, Throwable cause) {
        return new MessageHandlingException(message, platform() + " did not take the message: " + cause.getMessage(),
                cause);
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    // ---- resolving a field from a message: a function, or a header with a fixed fallback ---------------------

    /** Reads {@code header} of type {@code type}; null when absent. */
    protected static <T> Function<Message<?>, @Nullable T> header(String header, Class<T> type) {
        return (message) -> message.getHeaders().get(header, type);
    }

    /** Reads {@code header}, or {@code fallback} when the message has none. */
    protected static <T> Function<Message<?>, @Nullable T> headerOr(String header, Class<T> type, T fallback) {
        Objects.requireNonNull(fallback, "fallback");
        return (message) -> {
            T value = message.getHeaders().get(header, type);
            return (value != null) ? value : fallback;
        };
    }

    /**
     * The field's value for this message.
     * @throws IotValidationException naming the header when the function found none
     */
    protected static <T> T required(Function<Message<?>, @Nullable T> resolver, Message<?> message, String header) {
        T value = resolver.apply(message);
        if (value == null) {
            throw new IotValidationException(header, "is missing: set the header on the message or give the "
                    + "handler a value or function for it");
        }
        return value;
    }
}

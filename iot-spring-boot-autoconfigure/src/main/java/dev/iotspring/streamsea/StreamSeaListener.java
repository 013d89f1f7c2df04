package dev.iotspring.streamsea;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Subscribes a bean method to a stream when the application starts. The method takes one parameter, the
 * payload, read from the delivery's JSON as that parameter's type (a record, a class, a {@code Map} or a
 * {@code JsonNode}).
 *
 * <pre>{@code
 * @StreamSeaListener(stream = "berth_events", group = "${berths.group-id}")
 * void onBerthEvent(BerthEvent event) { ... }
 * }</pre>
 *
 * Calls for one listener happen one at a time, in delivery order, off the connection's event loop. An
 * exception from the method (or a payload that cannot be read as the parameter type) is logged and counted,
 * and the listener keeps receiving. {@code stream} and {@code group} may use {@code ${...}} placeholders.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface StreamSeaListener {

    /** The stream to subscribe to. */
    String stream();

    /**
     * A consumer group UUID shared by every instance that should split the stream between them; each message
     * reaches one member. Empty (the default) joins the server's default group of this client.
     */
    String group() default "";

    /** Receive every message with a fresh group per subscribe; cannot be combined with {@link #group()}. */
    boolean fanout() default false;
}

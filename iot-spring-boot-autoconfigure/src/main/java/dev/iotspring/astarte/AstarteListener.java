package dev.iotspring.astarte;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method taking one {@link AstarteServerEvent} that receives the server-owned data and properties of
 * one interface.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface AstarteListener {

    /** The server-owned interface, e.g. {@code org.example.Commands}. */
    String interfaceName();
}

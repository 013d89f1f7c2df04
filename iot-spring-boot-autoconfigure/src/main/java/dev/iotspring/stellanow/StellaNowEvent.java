package dev.iotspring.stellanow;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a record or class as a typed StellaNow event that {@link StellaNowTemplate#send(Object)} accepts. Fields
 * or record components annotated with {@link StellaNowEntity} become the entities (in declaration order, the
 * first is the key); every other field becomes part of the payload under its snake_case name, which is what the
 * {@code stellanow-cli} code generator produces for the other SDKs.
 *
 * <pre>{@code
 * @StellaNowEvent("user_details_update")
 * record UserDetailsUpdate(@StellaNowEntity("patron") String patron, String userId, PhoneNumber phoneNumber) {}
 * // payload: {"user_id":"...","phone_number":{"country_code":44,"number":753594}}
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface StellaNowEvent {

    /** The event type definition id: the event's name in the Operators Console. */
    String value();
}

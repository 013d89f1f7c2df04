package dev.iotspring.stellanow;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field or record component of a {@link StellaNowEvent} type as an entity id. The value's
 * {@code toString()} is the entity id; the field is not part of the payload.
 */
@Target({ ElementType.FIELD, ElementType.RECORD_COMPONENT })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface StellaNowEntity {

    /** The entity type definition id: the entity's name in the Operators Console, e.g. {@code patron}. */
    String value();
}

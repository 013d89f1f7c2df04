package dev.iotspring.stellanow;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the field or record component of a {@link StellaNowEvent} type whose value is the event's origin date
 * (the envelope's {@code messageOriginDateUTC}), like {@link StellaNowMessage.Builder#originDate} does for
 * untyped messages. The member must be an {@link java.time.Instant}, {@link java.time.OffsetDateTime} or
 * {@link java.time.ZonedDateTime}; at most one per type; a {@code null} value means "now". The member is not
 * part of the payload.
 */
@Target({ ElementType.FIELD, ElementType.RECORD_COMPONENT })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface StellaNowOriginDate {

}

package dev.iotspring.core.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

/**
 * Like Boot's {@code @ConditionalOnClass}, but checked after a platform's {@code iot.<platform>.enabled} switch.
 * Boot checks a class-level {@code @ConditionalOnClass} of an auto-configuration before any other condition, even
 * for a platform that is switched off, and loading a class from a signed jar (Paho, BouncyCastle) first verifies
 * the jar's signature: about 0.1 s of CPU that an application enabling no platform would pay. Platform
 * auto-configurations name their own libraries here and keep {@code @ConditionalOnClass} for what Boot loads
 * anyway (Jackson, WebClient), so a switched-off platform loads none of its classes.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Documented
@Conditional(OnLibraryCondition.class)
public @interface ConditionalOnLibrary {

    /** Fully qualified names of classes that must be present. */
    String[] value();
}

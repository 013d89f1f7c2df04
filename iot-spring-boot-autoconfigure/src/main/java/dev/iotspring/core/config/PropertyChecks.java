package dev.iotspring.core.config;

import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * Validation helpers for {@code @ConfigurationProperties} constructors and auto-configurations. Validating in
 * code keeps the starter free of a Bean Validation provider the application would otherwise have to bring.
 */
public final class PropertyChecks {

    private PropertyChecks() {
    }

    public static String requireText(@Nullable String value, String property, String example) {
        if (value == null || value.isBlank()) {
            throw IotConfigurationException.missing(property, example);
        }
        return value;
    }

    public static UUID requireUuid(@Nullable String value, String property, String example) {
        requireText(value, property, example);
        try {
            UUID uuid = UUID.fromString(value.trim());
            if (!uuid.toString().equalsIgnoreCase(value.trim())) {
                throw new IllegalArgumentException();
            }
            return uuid;
        }
        catch (IllegalArgumentException ex) {
            throw new IotConfigurationException(property, "expected a UUID such as "
                    + "123e4567-e89b-12d3-a456-426614174000", example);
        }
    }

    public static void requireState(boolean condition, String property, String problem, String example) {
        if (!condition) {
            throw new IotConfigurationException(property, problem, example);
        }
    }
}

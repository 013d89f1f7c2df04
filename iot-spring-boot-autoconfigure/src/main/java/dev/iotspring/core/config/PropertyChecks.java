package dev.iotspring.core.config;

import java.time.Duration;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;

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

    /** A duration above zero; {@code null}, zero and negative durations fail naming the property. */
    public static Duration requirePositive(@Nullable Duration value, String property, String example) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IotConfigurationException(property, "must be a positive duration", example);
        }
        return value;
    }

    /**
     * The SSL bundle a platform property names.
     * @param bundles Boot's bundles, {@code null} when the application has none
     * @param name the bundle name the property holds
     * @param property the property that names the bundle, such as {@code iot.stream-sea.ssl.bundle}
     * @param example YAML that defines the bundle and sets the property
     */
    public static SslBundle requireSslBundle(@Nullable SslBundles bundles, String name, String property,
            String example) {
        if (bundles == null) {
            throw new IotConfigurationException(property,
                    "there is no SSL bundle named '" + name + "' (no SSL bundles are configured)", example);
        }
        try {
            return bundles.getBundle(name);
        }
        catch (NoSuchSslBundleException ex) {
            throw new IotConfigurationException(property, "there is no SSL bundle named '" + name + "'", example);
        }
    }

    /**
     * A YAML example for a failure message: {@code yaml("iot.stellanow.queue", "type: durable")} gives the keys
     * nested under {@code iot:}, {@code stellanow:}, {@code queue:} with the lines indented below them.
     */
    public static String yaml(String prefix, String... lines) {
        StringBuilder yaml = new StringBuilder();
        String indent = "";
        for (String segment : prefix.split("\\.")) {
            yaml.append(indent).append(segment).append(":\n");
            indent += "  ";
        }
        for (String line : lines) {
            yaml.append(indent).append(line).append('\n');
        }
        return yaml.toString();
    }
}

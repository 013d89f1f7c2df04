package dev.iotspring.core.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the default of a property from the generated {@code META-INF/spring-configuration-metadata.json}, so a
 * test can check it against what binding really gives (defaults set in a constructor reach the metadata only
 * through additional-spring-configuration-metadata.json, which could drift).
 */
public final class ConfigurationMetadataDefaults {

    private ConfigurationMetadataDefaults() {
    }

    /** The property's defaultValue as text, or {@code null} when it has none. */
    public static String defaultValue(String name) {
        try (InputStream in = ConfigurationMetadataDefaults.class.getClassLoader()
            .getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            if (in == null) {
                throw new IllegalStateException("No generated configuration metadata on the class path");
            }
            for (JsonNode property : JsonMapper.builder().build().readTree(in).get("properties")) {
                if (name.equals(property.get("name").asString())) {
                    JsonNode value = property.get("defaultValue");
                    return (value != null) ? value.asString() : null;
                }
            }
            throw new IllegalArgumentException("No property " + name + " in the configuration metadata");
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}

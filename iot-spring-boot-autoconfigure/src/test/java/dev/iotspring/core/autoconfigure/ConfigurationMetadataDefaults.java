package dev.iotspring.core.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

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
        for (JsonNode property : properties()) {
            if (name.equals(property.get("name").asString())) {
                JsonNode value = property.get("defaultValue");
                return (value != null) ? value.asString() : null;
            }
        }
        throw new IllegalArgumentException("No property " + name + " in the configuration metadata");
    }

    /** Every property of the generated metadata, as its JSON object (name, type, description, defaultValue). */
    public static List<JsonNode> properties() {
        try (InputStream in = ConfigurationMetadataDefaults.class.getClassLoader()
            .getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            if (in == null) {
                throw new IllegalStateException("No generated configuration metadata on the class path");
            }
            List<JsonNode> properties = new ArrayList<>();
            JsonMapper.builder().build().readTree(in).get("properties").forEach(properties::add);
            return properties;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}

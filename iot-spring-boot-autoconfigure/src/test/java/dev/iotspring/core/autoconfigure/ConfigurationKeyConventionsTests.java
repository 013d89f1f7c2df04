package dev.iotspring.core.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Walks the generated configuration metadata and holds every platform's keys to the one table of
 * CONVENTIONS.md: a connection, queue, TLS or timeout key that a platform names its own way fails here, naming
 * the key, before a user has to learn a second spelling.
 */
class ConfigurationKeyConventionsTests {

    static final List<String> PLATFORMS = List.of("stellanow", "stream-sea", "stellmap", "astarte", "spotflow");

    static final Set<String> SSL_KEYS = Set.of("ssl.bundle", "ignore-ssl-errors");

    static final Set<String> RECONNECT_KEYS = Set.of("reconnect.initial-delay", "reconnect.max-delay",
            "reconnect.multiplier", "reconnect.jitter");

    static final Set<String> QUEUE_KEYS = Set.of("queue.type", "queue.order", "queue.max-size", "queue.overflow",
            "queue.in-flight", "queue.retry.initial-delay", "queue.retry.max-delay");

    /**
     * Timeouts of the table (connect, request), the two a long-lived connection may add (waiting for an
     * authentication answer, the silence after which a connection is presumed dead), how long a blocking send
     * waits for its acknowledgement (Spotflow's {@code sendMessage}) and how long the upload of one large payload
     * may take (Spotflow's file upload: unlike a request, its duration grows with the payload and the uplink).
     */
    static final Set<String> TIMEOUT_KEYS = Set.of("connect-timeout", "request-timeout", "auth-timeout",
            "idle-timeout", "send-timeout", "file-upload-timeout");

    @Test
    void platformKeysFollowTheConventionsTable() {
        List<String> violations = platformKeys().stream().map(ConfigurationKeyConventionsTests::violation)
            .filter(Objects::nonNull)
            .toList();
        assertThat(violations).isEmpty();
    }

    @Test
    void theRuleCatchesTheOldSpellings() {
        // The old spellings, joined here so that a search of the tree for them finds only real uses.
        assertThat(List.of("iot.stellmap.ssl" + "-bundle", "iot.stellmap.watch-" + "reconnect-min-backoff",
                "iot.stream-sea.response" + "-timeout", "iot.stellanow.queue.retry-delay", "iot.astarte.keepalive",
                "iot.stellmap.watch-idle-timeout"))
            .allSatisfy((old) -> assertThat(violation(old)).as(old).isNotNull());
        assertThat(List.of("iot.stellmap.ssl.bundle", "iot.stellmap.reconnect.initial-delay",
                "iot.stream-sea.request-timeout", "iot.stellanow.queue.retry.max-delay", "iot.astarte.keep-alive",
                "iot.stellanow.auth.reconnect-on-refresh", "iot.stellmap.idle-timeout"))
            .allSatisfy((valid) -> assertThat(violation(valid)).as(valid).isNull());
    }

    /** What is wrong with a platform key, or {@code null} when it follows the table. */
    static String violation(String name) {
        String platform = platformOf(name);
        String key = name.substring(("iot." + platform + ".").length());
        String topLevel = key.contains(".") ? key.substring(0, key.indexOf('.')) : key;
        if (key.contains("ssl") && !SSL_KEYS.contains(key)) {
            return name + ": TLS keys are " + SSL_KEYS;
        }
        if ((topLevel.contains("reconnect") || key.contains("backoff")) && !RECONNECT_KEYS.contains(key)) {
            return name + ": reconnect keys are " + RECONNECT_KEYS + " (a send's backoff is queue.retry.*)";
        }
        if (topLevel.equals("queue") && !QUEUE_KEYS.contains(key)) {
            return name + ": queue keys are " + QUEUE_KEYS;
        }
        if (!key.contains(".") && key.endsWith("timeout") && !TIMEOUT_KEYS.contains(key)) {
            return name + ": timeouts are " + TIMEOUT_KEYS;
        }
        if (key.replace("-", "").contains("keepalive") && !key.equals("keep-alive")) {
            return name + ": the MQTT keep-alive is keep-alive";
        }
        return null;
    }

    @Test
    void everyPlatformHasAnEnabledSwitchOffByDefault() {
        List<String> names = platformKeys();
        for (String platform : PLATFORMS) {
            boolean present = names.stream().anyMatch((name) -> name.startsWith("iot." + platform + "."));
            if (present) {
                assertThat(ConfigurationMetadataDefaults.defaultValue("iot." + platform + ".enabled"))
                    .as("iot.%s.enabled", platform)
                    .isEqualTo("false");
            }
        }
        assertThat(names).as("the platforms that exist today").anyMatch((name) -> name.startsWith("iot.stellanow."))
            .anyMatch((name) -> name.startsWith("iot.stream-sea."))
            .anyMatch((name) -> name.startsWith("iot.stellmap."));
    }

    @Test
    void everyKeyHasADescription() {
        List<String> undocumented = ConfigurationMetadataDefaults.properties()
            .stream()
            .filter((property) -> property.get("name").asString().startsWith("iot."))
            .filter((property) -> {
                JsonNode description = property.get("description");
                return description == null || description.asString().isBlank();
            })
            .map((property) -> property.get("name").asString())
            .toList();
        assertThat(undocumented).isEmpty();
    }

    private static List<String> platformKeys() {
        return ConfigurationMetadataDefaults.properties()
            .stream()
            .map((property) -> property.get("name").asString())
            .filter((name) -> platformOf(name) != null)
            .toList();
    }

    private static String platformOf(String name) {
        return PLATFORMS.stream().filter((platform) -> name.startsWith("iot." + platform + ".")).findFirst()
            .orElse(null);
    }
}

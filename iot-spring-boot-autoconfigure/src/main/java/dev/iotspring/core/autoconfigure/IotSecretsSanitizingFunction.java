package dev.iotspring.core.autoconfigure;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;

/**
 * Masks the platforms' secrets (passwords, tokens, private keys, client and credentials secrets under {@code iot.})
 * in {@code /actuator/configprops} and {@code /actuator/env}, also when an application shows values there
 * ({@code management.endpoint.*.show-values=always}, which Boot itself masks nothing for). A secret is found by
 * the last part of its name, in every form Boot binds ({@code private-key}, {@code privateKey},
 * {@code IOT_ASTARTE_PAIRING_PRIVATEKEY}), and also under any other name whose value is that of an iot secret,
 * such as the environment variable a placeholder ({@code password: ${STELLANOW_PASSWORD}}) reads it from.
 */
public final class IotSecretsSanitizingFunction implements SanitizingFunction {

    // Normalised (lower case, letters and digits only) ends of secret property names.
    private static final String[] SECRET_ENDINGS = { "password", "secret", "token", "privatekey", "jwt", "apikey" };

    private final ConfigurableEnvironment environment;

    public IotSecretsSanitizingFunction(ConfigurableEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public SanitizableData apply(SanitizableData data) {
        if (data.getValue() == null) {
            return data;
        }
        if (isSecretKey(data.getKey())) {
            return data.withSanitizedValue();
        }
        if (data.getValue() instanceof CharSequence value && value.length() > 0
                && secretValues().contains(value.toString())) {
            return data.withSanitizedValue();
        }
        return data;
    }

    /** Whether {@code key} names an iot secret, in any of the forms Boot binds. */
    static boolean isSecretKey(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("iot.") && !lower.startsWith("iot_")) {
            return false;
        }
        int lastSeparator = Math.max(lower.lastIndexOf('.'), lower.lastIndexOf('_'));
        String last = lower.substring(lastSeparator + 1).replaceAll("[^a-z0-9]", "");
        for (String ending : SECRET_ENDINGS) {
            if (last.endsWith(ending)) {
                return true;
            }
        }
        return false;
    }

    // Resolved at each call (an actuator request, not a hot path), so a changed environment is never shown stale.
    private Set<String> secretValues() {
        Set<String> values = new HashSet<>();
        for (PropertySource<?> source : this.environment.getPropertySources()) {
            if (source instanceof EnumerablePropertySource<?> enumerable) {
                for (String name : enumerable.getPropertyNames()) {
                    if (isSecretKey(name)) {
                        String value = resolve(name);
                        if (value != null && !value.isBlank()) {
                            values.add(value);
                        }
                    }
                }
            }
        }
        return values;
    }

    private @Nullable String resolve(String name) {
        try {
            return this.environment.getProperty(name);
        }
        catch (RuntimeException ex) {
            return null; // an unresolvable placeholder: nothing to match against
        }
    }
}

package dev.iotspring.stellmap;

import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * A StellMap five-part service name, {@code organization.businessDomain.capabilityDomain.application.role}, for
 * example {@code acme.retail.cart.cart-svc.api}. Parts are trimmed, non-blank and may not contain {@code .},
 * {@code /} or whitespace.
 *
 * @param organization first part
 * @param businessDomain second part
 * @param capabilityDomain third part
 * @param application fourth part
 * @param role fifth part
 */
public record ServiceName(String organization, String businessDomain, String capabilityDomain, String application,
        String role) {

    public ServiceName {
        organization = part(organization, "organization");
        businessDomain = part(businessDomain, "businessDomain");
        capabilityDomain = part(capabilityDomain, "capabilityDomain");
        application = part(application, "application");
        role = part(role, "role");
    }

    /** Composes a name from its five parts. */
    public static ServiceName compose(String organization, String businessDomain, String capabilityDomain,
            String application, String role) {
        return new ServiceName(organization, businessDomain, capabilityDomain, application, role);
    }

    /**
     * Parses {@code a.b.c.d.e}.
     * @throws IllegalArgumentException if the text does not have exactly five non-blank parts
     */
    public static ServiceName parse(String text) {
        return tryParse(text).orElseThrow(() -> new StellMapValidationException("service", "'" + text
                + "' is not a five-part service name (organization.businessDomain.capabilityDomain.application.role)"));
    }

    /** The parsed name, or empty when {@code text} is an opaque (not five-part) service name. */
    public static Optional<ServiceName> tryParse(@Nullable String text) {
        if (text == null) {
            return Optional.empty();
        }
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 5) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ServiceName(parts[0], parts[1], parts[2], parts[3], parts[4]));
        }
        catch (IllegalArgumentException ex) {
            return Optional.empty();
        }
    }

    private static String part(@Nullable String value, String name) {
        if (value == null || value.isBlank()) {
            throw new StellMapValidationException(name, "must not be blank");
        }
        String trimmed = value.trim();
        if (trimmed.contains(".") || trimmed.contains("/") || trimmed.chars().anyMatch(Character::isWhitespace)) {
            throw new StellMapValidationException(name, "'" + trimmed + "' must not contain '.', '/' or whitespace");
        }
        return trimmed;
    }

    /** The canonical dotted form. */
    @Override
    public String toString() {
        return this.organization + "." + this.businessDomain + "." + this.capabilityDomain + "." + this.application
                + "." + this.role;
    }
}

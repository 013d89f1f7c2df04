package dev.iotspring.test.stellmap;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * The query/watch filter of spec §3.4 and the label selector of §4, parsed the way {@code registry.ParseQuery}
 * does. Reproduces the server's quirks: only the first {@code service} value matches, prefixes are raw string
 * prefixes.
 */
final class EmulatorFilter {

    static final String SELECTOR_SYNTAX = "supported selector syntax: key, !key, key=value, key==value, key!=value, "
            + "key in (v1,v2), key notin (v1,v2)";

    final String namespace;

    final List<String> services;

    final List<String> prefixes;

    final @Nullable String zone;

    final @Nullable String endpoint;

    final List<Predicate<Map<String, String>>> labelRequirements;

    final int limit;

    private EmulatorFilter(String namespace, List<String> services, List<String> prefixes, @Nullable String zone,
            @Nullable String endpoint, List<Predicate<Map<String, String>>> labelRequirements, int limit) {
        this.namespace = namespace;
        this.services = services;
        this.prefixes = prefixes;
        this.zone = zone;
        this.endpoint = endpoint;
        this.labelRequirements = labelRequirements;
        this.limit = limit;
    }

    static EmulatorFilter parse(Map<String, List<String>> query) {
        String namespace = first(query, "namespace");
        if (namespace == null) {
            throw new BadRequest("namespace is required");
        }
        List<String> services = all(query, "service");
        List<String> prefixes = all(query, "servicePrefix");
        String[] hierarchy = { "organization", "businessDomain", "capabilityDomain", "application", "role" };
        List<String> parts = new ArrayList<>();
        boolean gap = false;
        for (String name : hierarchy) {
            String value = first(query, name);
            if (value == null) {
                gap = true;
            }
            else if (gap) {
                throw new BadRequest("service hierarchy filters must be contiguous from organization to role");
            }
            else {
                parts.add(value);
            }
        }
        if (parts.size() == 5) {
            String composed = String.join(".", parts);
            if (!services.isEmpty() && !services.get(0).equals(composed)) {
                throw new BadRequest("service \"" + services.get(0) + "\" does not match structured service identity \""
                        + composed + "\"");
            }
            if (services.isEmpty()) {
                services = List.of(composed);
            }
        }
        else if (!parts.isEmpty()) {
            prefixes = new ArrayList<>(prefixes);
            prefixes.add(String.join(".", parts));
        }
        List<Predicate<Map<String, String>>> requirements = new ArrayList<>();
        for (String selector : all(query, "selector")) {
            requirements.addAll(parseSelector(selector));
        }
        for (String label : all(query, "label")) {
            int eq = label.indexOf('=');
            if (eq <= 0 || eq == label.length() - 1) {
                throw new BadRequest("invalid label filter \"" + label + "\", expected key=value");
            }
            String key = label.substring(0, eq).trim();
            String value = label.substring(eq + 1).trim();
            requirements.add((labels) -> value.equals(labels.get(key)));
        }
        int limit = 0;
        String limitText = first(query, "limit");
        if (limitText != null) {
            try {
                limit = Integer.parseInt(limitText);
            }
            catch (NumberFormatException ex) {
                throw new BadRequest("invalid limit \"" + limitText + "\"");
            }
            if (limit < 0) {
                throw new BadRequest("limit must be >= 0");
            }
        }
        return new EmulatorFilter(namespace, services, prefixes, first(query, "zone"), first(query, "endpoint"),
                requirements, limit);
    }

    /** The service dimension only (namespace + service/prefix): decides whether a watch sees an event at all. */
    boolean inScope(String namespace, String service) {
        if (!this.namespace.equals(namespace)) {
            return false;
        }
        // Quirk of the real server: with several service values only the first one matches.
        if (!this.services.isEmpty() && !this.services.get(0).equals(service)) {
            return false;
        }
        return this.prefixes.isEmpty() || this.prefixes.stream().anyMatch(service::startsWith);
    }

    /** Zone, labels and endpoint: an in-scope upsert that fails these becomes a delete on a watch. */
    boolean matchesAttributes(StellMapEmulator.Instance instance) {
        if (this.zone != null && !this.zone.equals(instance.zone())) {
            return false;
        }
        for (Predicate<Map<String, String>> requirement : this.labelRequirements) {
            if (!requirement.test(instance.labels())) {
                return false;
            }
        }
        return this.endpoint == null || !filterEndpoints(instance).endpoints().isEmpty();
    }

    StellMapEmulator.Instance filterEndpoints(StellMapEmulator.Instance instance) {
        if (this.endpoint == null) {
            return instance;
        }
        return instance.withEndpoints(instance.endpoints().stream()
            .filter((e) -> this.endpoint.equals(e.name()) || this.endpoint.equals(e.protocol()))
            .toList());
    }

    @Nullable String snapshotService() {
        return this.services.isEmpty() ? null : this.services.get(0);
    }

    static List<Predicate<Map<String, String>>> parseSelector(String selector) {
        List<String> pieces = new ArrayList<>();
        int depth = 0;
        StringBuilder current = new StringBuilder();
        for (char c : selector.toCharArray()) {
            if (c == '(') {
                depth++;
            }
            else if (c == ')') {
                depth--;
                if (depth < 0) {
                    throw new BadRequest("invalid selector \"" + selector + "\": unbalanced parentheses; "
                            + SELECTOR_SYNTAX);
                }
            }
            if (c == ',' && depth == 0) {
                pieces.add(current.toString());
                current.setLength(0);
            }
            else {
                current.append(c);
            }
        }
        if (depth != 0) {
            throw new BadRequest("invalid selector \"" + selector + "\": unbalanced parentheses; " + SELECTOR_SYNTAX);
        }
        pieces.add(current.toString());
        List<Predicate<Map<String, String>>> requirements = new ArrayList<>();
        for (String raw : pieces) {
            requirements.add(parseRequirement(raw.trim(), selector));
        }
        return requirements;
    }

    private static Predicate<Map<String, String>> parseRequirement(String piece, String selector) {
        if (piece.isEmpty()) {
            throw invalid(selector);
        }
        String lower = piece.toLowerCase(Locale.ROOT);
        int notin = lower.indexOf(" notin");
        int in = lower.indexOf(" in");
        if (notin > 0 || in > 0) {
            boolean negate = notin > 0;
            int at = negate ? notin : in;
            String key = piece.substring(0, at).trim();
            String rest = piece.substring(at + (negate ? 6 : 3)).trim();
            if (key.isEmpty() || !rest.startsWith("(") || !rest.endsWith(")")) {
                throw invalid(selector);
            }
            List<String> values = new ArrayList<>();
            for (String value : rest.substring(1, rest.length() - 1).split(",", -1)) {
                if (value.trim().isEmpty()) {
                    throw invalid(selector);
                }
                values.add(value.trim());
            }
            Set<String> set = Set.copyOf(values);
            return negate ? (labels) -> !set.contains(labels.get(key)) : (labels) -> set.contains(labels.get(key));
        }
        if (piece.startsWith("!")) {
            String key = piece.substring(1).trim();
            if (key.isEmpty() || key.contains("=")) {
                throw invalid(selector);
            }
            return (labels) -> !labels.containsKey(key);
        }
        int notEq = piece.indexOf("!=");
        if (notEq >= 0) {
            String key = piece.substring(0, notEq).trim();
            String value = piece.substring(notEq + 2).trim();
            if (key.isEmpty() || value.isEmpty()) {
                throw invalid(selector);
            }
            return (labels) -> !value.equals(labels.get(key));
        }
        int eq = piece.indexOf('=');
        if (eq >= 0) {
            String key = piece.substring(0, eq).trim();
            String value = piece.substring(piece.startsWith("==", eq) ? eq + 2 : eq + 1).trim();
            if (key.isEmpty() || value.isEmpty()) {
                throw invalid(selector);
            }
            return (labels) -> value.equals(labels.get(key));
        }
        return (labels) -> labels.containsKey(piece);
    }

    private static BadRequest invalid(String selector) {
        return new BadRequest("invalid selector \"" + selector + "\"; " + SELECTOR_SYNTAX);
    }

    static @Nullable String first(Map<String, List<String>> query, String name) {
        List<String> values = all(query, name);
        return values.isEmpty() ? null : values.get(0);
    }

    static List<String> all(Map<String, List<String>> query, String name) {
        List<String> values = query.getOrDefault(name, List.of());
        return values.stream().map(String::trim).filter((v) -> !v.isEmpty()).toList();
    }

    /** A 400 {@code bad_request} with the server's message. */
    static final class BadRequest extends RuntimeException {

        BadRequest(String message) {
            super(message);
        }
    }
}

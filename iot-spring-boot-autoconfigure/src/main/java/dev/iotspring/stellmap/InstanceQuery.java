package dev.iotspring.stellmap;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import org.jspecify.annotations.Nullable;

/**
 * Filters of {@code GET /api/v1/registry/instances} (and of a watch). Only a namespace is required.
 *
 * <pre>
 * InstanceQuery.namespace("staging").service("acme.retail.cart.cart-svc.api")
 *     .zone("eu-1a").endpoint("http").selector(Selector.equal("lane", "blue")).limit(10).build();
 * </pre>
 *
 * A query holds at most one exact {@code service}: the server only honours the first of several (use one query
 * per service, or a prefix). Structured parts must be contiguous from {@code organization}.
 */
public final class InstanceQuery {

    private final String namespace;

    private final @Nullable String service;

    private final List<String> servicePrefixes;

    private final List<String> nameParts;

    private final @Nullable String zone;

    private final @Nullable String endpoint;

    private final List<Selector> selectors;

    private final int limit;

    private InstanceQuery(Builder builder) {
        this.namespace = builder.namespace;
        this.service = builder.service;
        this.servicePrefixes = List.copyOf(builder.servicePrefixes);
        this.nameParts = List.copyOf(builder.nameParts);
        this.zone = builder.zone;
        this.endpoint = builder.endpoint;
        this.selectors = List.copyOf(builder.selectors);
        this.limit = builder.limit;
    }

    public static Builder namespace(String namespace) {
        return new Builder(namespace);
    }

    /** Every instance of one service. */
    public static InstanceQuery of(String namespace, String service) {
        return namespace(namespace).service(service).build();
    }

    public String namespace() {
        return this.namespace;
    }

    public @Nullable String service() {
        return this.service;
    }

    public List<String> servicePrefixes() {
        return this.servicePrefixes;
    }

    public List<Selector> selectors() {
        return this.selectors;
    }

    public @Nullable String zone() {
        return this.zone;
    }

    public @Nullable String endpoint() {
        return this.endpoint;
    }

    public int limit() {
        return this.limit;
    }

    /** Calls {@code param} for every query parameter, in wire names, unencoded. */
    void forEachParam(BiConsumer<String, String> param) {
        param.accept("namespace", this.namespace);
        if (this.service != null) {
            param.accept("service", this.service);
        }
        this.servicePrefixes.forEach((p) -> param.accept("servicePrefix", p));
        String[] names = { "organization", "businessDomain", "capabilityDomain", "application", "role" };
        for (int i = 0; i < this.nameParts.size(); i++) {
            param.accept(names[i], this.nameParts.get(i));
        }
        if (this.zone != null) {
            param.accept("zone", this.zone);
        }
        if (this.endpoint != null) {
            param.accept("endpoint", this.endpoint);
        }
        if (!this.selectors.isEmpty()) {
            param.accept("selector", String.join(",", this.selectors.stream().map(Selector::toString).toList()));
        }
        if (this.limit > 0) {
            param.accept("limit", Integer.toString(this.limit));
        }
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("InstanceQuery[");
        forEachParam((k, v) -> text.append(k).append('=').append(v).append(' '));
        return text.toString().trim() + "]";
    }

    public static final class Builder {

        private final String namespace;

        private @Nullable String service;

        private final List<String> servicePrefixes = new ArrayList<>();

        private final List<String> nameParts = new ArrayList<>();

        private @Nullable String zone;

        private @Nullable String endpoint;

        private final List<Selector> selectors = new ArrayList<>();

        private int limit;

        private Builder(String namespace) {
            this.namespace = Identifiers.check(namespace, "namespace");
        }

        /** Exact service name. */
        public Builder service(String service) {
            this.service = Identifiers.check(service, "service");
            return this;
        }

        public Builder service(ServiceName service) {
            return service(service.toString());
        }

        /** Raw string prefix of the service name (the server does not require a dot boundary); ORed. */
        public Builder servicePrefix(String prefix) {
            this.servicePrefixes.add(Identifiers.check(prefix, "servicePrefix"));
            return this;
        }

        /**
         * Structured filter: the leading parts of a five-part name, from organization on ({@code "acme"},
         * {@code "acme", "retail"}, ... up to all five, which selects one service).
         */
        public Builder nameParts(String... parts) {
            if (parts.length == 0 || parts.length > 5) {
                throw new StellMapValidationException("nameParts", "must be 1 to 5 parts, from organization on");
            }
            this.nameParts.clear();
            for (String part : parts) {
                this.nameParts.add(Identifiers.check(part, "name part"));
            }
            return this;
        }

        public Builder zone(String zone) {
            this.zone = Identifiers.check(zone, "zone");
            return this;
        }

        /** Keep only endpoints whose name or protocol equals this; instances without one are left out. */
        public Builder endpoint(String nameOrProtocol) {
            this.endpoint = Identifiers.check(nameOrProtocol, "endpoint");
            return this;
        }

        public Builder selector(Selector... selectors) {
            this.selectors.addAll(List.of(selectors));
            return this;
        }

        /** Shorthand for {@link Selector#equal} on each entry. */
        public Builder labels(Map<String, String> labels) {
            labels.forEach((k, v) -> this.selectors.add(Selector.equal(k, v)));
            return this;
        }

        /** At most this many instances; 0 (default) means all. A watch applies it to its snapshot only. */
        public Builder limit(int limit) {
            if (limit < 0) {
                throw new StellMapValidationException("limit", "must be >= 0");
            }
            this.limit = limit;
            return this;
        }

        public InstanceQuery build() {
            return new InstanceQuery(this);
        }
    }
}

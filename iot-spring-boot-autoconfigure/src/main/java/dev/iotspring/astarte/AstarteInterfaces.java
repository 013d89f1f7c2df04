package dev.iotspring.astarte;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

import org.bson.BsonValue;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.astarte.AstarteMapping.Retention;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.ResourcePatternResolver;

/**
 * The interfaces a device declares (its introspection), loaded from JSON definitions, and the checks of every
 * value before it is encoded: known interface, the caller's ownership, the right interface kind, a mapping for
 * the path, the value's type and limits, the timestamp rule, object keys and unset permission.
 */
public final class AstarteInterfaces {

    private final Map<String, AstarteInterface> byName;

    private AstarteInterfaces(Map<String, AstarteInterface> byName) {
        this.byName = byName;
    }

    /**
     * A set of interfaces.
     * @throws IllegalArgumentException when two have the same name
     */
    public static AstarteInterfaces of(Collection<AstarteInterface> interfaces) {
        Map<String, AstarteInterface> byName = new LinkedHashMap<>();
        for (AstarteInterface i : interfaces) {
            if (byName.putIfAbsent(i.name(), i) != null) {
                throw new IllegalArgumentException("Astarte interface " + i.name() + " is defined twice");
            }
        }
        return new AstarteInterfaces(Collections.unmodifiableMap(byName));
    }

    /**
     * Parses and checks one definition.
     * @param source where it came from, for messages
     * @throws AstarteInterfaceDefinitionException naming the source and the field at fault
     */
    public static AstarteInterface parse(String source, byte[] json) {
        return new AstarteInterfaceParser(JsonMapper.builder().build()).parse(source, json);
    }

    /**
     * Loads every definition the locations resolve to (patterns such as
     * {@code classpath*:astarte/interfaces/*.json} allowed).
     * @throws AstarteInterfaceDefinitionException for a definition Astarte would refuse, or a name defined twice
     */
    public static AstarteInterfaces load(ResourcePatternResolver resolver, List<String> locations, JsonMapper mapper) {
        AstarteInterfaceParser parser = new AstarteInterfaceParser(mapper);
        Map<String, AstarteInterface> byName = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        for (String location : locations) {
            Resource[] resources;
            try {
                resources = resolver.getResources(location);
            }
            catch (IOException ex) {
                throw new AstarteInterfaceDefinitionException(location, "(file)", "cannot be read: " + ex.getMessage());
            }
            for (Resource resource : resources) {
                String source = describe(resource);
                byte[] json;
                try (InputStream in = resource.getInputStream()) {
                    json = in.readAllBytes();
                }
                catch (IOException ex) {
                    throw new AstarteInterfaceDefinitionException(source, "(file)", "cannot be read: " + ex.getMessage());
                }
                AstarteInterface parsed = parser.parse(source, json);
                String earlier = sources.putIfAbsent(parsed.name(), source);
                if (earlier != null) {
                    throw new AstarteInterfaceDefinitionException(source, "interface_name",
                            parsed.name() + " is already defined by " + earlier);
                }
                byName.put(parsed.name(), parsed);
            }
        }
        return new AstarteInterfaces(Collections.unmodifiableMap(byName));
    }

    private static String describe(Resource resource) {
        try {
            return resource.getURI().toString();
        }
        catch (IOException ex) {
            return resource.getDescription();
        }
    }

    public Optional<AstarteInterface> get(String name) {
        return Optional.ofNullable(this.byName.get(name));
    }

    public Collection<AstarteInterface> all() {
        return this.byName.values();
    }

    public boolean isEmpty() {
        return this.byName.isEmpty();
    }

    /** The introspection string: {@code name:major:minor} entries joined by ';' (empty without interfaces). */
    public String introspection() {
        return this.byName.values().stream().map(AstarteInterface::introspectionEntry).collect(Collectors.joining(";"));
    }

    /** Interfaces Astarte writes to, which the device subscribes to. */
    public List<AstarteInterface> serverOwned() {
        return this.byName.values().stream().filter(AstarteInterface::isServerOwned).toList();
    }

    AstarteOutbound individual(String interfaceName, String path, Object value, @Nullable Instant timestamp) {
        AstarteInterface iface = deviceOwned(interfaceName, path);
        if (iface.isProperties()) {
            throw new AstarteValidationException(interfaceName, path,
                    "is a properties interface: use setProperty/unsetProperty");
        }
        if (iface.isObject()) {
            throw new AstarteValidationException(interfaceName, path,
                    "is an object aggregated interface: use sendAggregate");
        }
        AstarteMapping mapping = mapping(iface, path);
        checkTimestamp(iface, path, mapping, timestamp);
        BsonValue bson = AstartePayloads.toBson(interfaceName, path, mapping.type(), value);
        return outbound(iface, path, AstartePayloads.encode(bson, timestamp), mapping, false);
    }

    AstarteOutbound aggregate(String interfaceName, String path, Map<String, ?> values, @Nullable Instant timestamp) {
        AstarteInterface iface = deviceOwned(interfaceName, path);
        if (!iface.isObject()) {
            throw new AstarteValidationException(interfaceName, path,
                    "is not an object aggregated interface: use send (or setProperty)");
        }
        if (!iface.isObjectPath(path)) {
            throw new AstarteValidationException(interfaceName, path,
                    "no object path: expected the mappings' common prefix, e.g. " + objectPrefix(iface));
        }
        Objects.requireNonNull(values, "values");
        Map<String, BsonValue> bson = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : values.entrySet()) {
            AstarteMapping mapping = iface.mappingFor(path.equals("/") ? "/" + e.getKey() : path + "/" + e.getKey());
            if (mapping == null) {
                throw new AstarteValidationException(interfaceName, path, "unexpected object key '" + e.getKey()
                        + "' (the interface has " + keys(iface) + ")");
            }
            bson.put(e.getKey(), AstartePayloads.toBson(interfaceName, path + "/" + e.getKey(), mapping.type(),
                    e.getValue()));
        }
        List<String> missing = new ArrayList<>();
        for (AstarteMapping m : iface.mappings()) {
            if (m.required() && !values.containsKey(m.lastSegment())) {
                missing.add(m.lastSegment());
            }
        }
        if (!missing.isEmpty()) {
            throw new AstarteValidationException(interfaceName, path, "missing required object keys " + missing);
        }
        if (bson.isEmpty()) {
            throw new AstarteValidationException(interfaceName, path, "an object aggregate needs at least one value");
        }
        AstarteMapping first = iface.mappings().get(0);
        checkTimestamp(iface, path, first, timestamp);
        return outbound(iface, path, AstartePayloads.encodeObject(bson, timestamp), first, false);
    }

    AstarteOutbound property(String interfaceName, String path, Object value) {
        AstarteInterface iface = deviceProperties(interfaceName, path);
        AstarteMapping mapping = mapping(iface, path);
        BsonValue bson = AstartePayloads.toBson(interfaceName, path, mapping.type(), value);
        return outbound(iface, path, AstartePayloads.encode(bson, null), mapping, true);
    }

    AstarteOutbound unset(String interfaceName, String path) {
        AstarteInterface iface = deviceProperties(interfaceName, path);
        AstarteMapping mapping = mapping(iface, path);
        if (!mapping.allowUnset()) {
            throw new AstarteValidationException(interfaceName, path,
                    "unset is not allowed (the mapping " + mapping.endpoint() + " has no allow_unset)");
        }
        return outbound(iface, path, new byte[0], mapping, true);
    }

    private AstarteInterface deviceProperties(String interfaceName, String path) {
        AstarteInterface iface = deviceOwned(interfaceName, path);
        if (!iface.isProperties()) {
            throw new AstarteValidationException(interfaceName, path, "is a datastream interface: use send");
        }
        return iface;
    }

    private AstarteInterface deviceOwned(String interfaceName, String path) {
        AstarteInterface iface = known(interfaceName, path);
        if (iface.isServerOwned()) {
            throw new AstarteValidationException(interfaceName, path,
                    "is owned by the server: a device may not publish on it");
        }
        return iface;
    }

    AstarteInterface known(String interfaceName, String path) {
        Objects.requireNonNull(interfaceName, "interfaceName");
        AstarteInterface iface = this.byName.get(interfaceName);
        if (iface == null) {
            throw new AstarteValidationException(interfaceName, String.valueOf(path),
                    "is not one of the device's interfaces " + this.byName.keySet() + " (iot.astarte.interfaces)");
        }
        return iface;
    }

    private static AstarteMapping mapping(AstarteInterface iface, String path) {
        AstarteMapping mapping = iface.mappingFor(path);
        if (mapping == null) {
            throw new AstarteValidationException(iface.name(), String.valueOf(path), "no mapping matches the path "
                    + "(endpoints: " + iface.mappings().stream().map(AstarteMapping::endpoint).toList() + ")");
        }
        return mapping;
    }

    private static void checkTimestamp(AstarteInterface iface, String path, AstarteMapping mapping,
            @Nullable Instant timestamp) {
        if (mapping.explicitTimestamp() && timestamp == null) {
            throw new AstarteValidationException(iface.name(), path,
                    "the mapping has explicit_timestamp: a timestamp is required");
        }
        if (!mapping.explicitTimestamp() && timestamp != null) {
            throw new AstarteValidationException(iface.name(), path,
                    "the mapping has no explicit_timestamp: Astarte would ignore the timestamp");
        }
    }

    private static AstarteOutbound outbound(AstarteInterface iface, String path, byte[] payload,
            AstarteMapping mapping, boolean property) {
        if (payload.length > AstartePayloads.MAX_PAYLOAD_BYTES) {
            throw new AstarteValidationException(iface.name(), path, "the encoded message has " + payload.length
                    + " bytes, the broker accepts at most " + AstartePayloads.MAX_PAYLOAD_BYTES);
        }
        return new AstarteOutbound(iface.name(), iface.major(), path, payload, property ? 2 : mapping.qos(),
                property ? Retention.STORED : mapping.retention(), property ? Duration.ZERO : mapping.expiry(), property);
    }

    private static String objectPrefix(AstarteInterface iface) {
        String e = iface.mappings().get(0).endpoint();
        String prefix = e.substring(0, e.lastIndexOf('/'));
        return prefix.isEmpty() ? "/" : prefix;
    }

    private static List<String> keys(AstarteInterface iface) {
        return iface.mappings().stream().map(AstarteMapping::lastSegment).toList();
    }

    @Override
    public String toString() {
        return "AstarteInterfaces[" + introspection() + "]";
    }
}

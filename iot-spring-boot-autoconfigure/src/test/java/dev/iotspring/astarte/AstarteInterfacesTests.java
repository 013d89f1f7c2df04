package dev.iotspring.astarte;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.astarte.AstarteMapping.Retention;

import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AstarteInterfacesTests {

    private static final Instant T = Instant.ofEpochMilli(1537449422890L);

    private final AstarteInterfaces interfaces = AstarteInterfaces.load(new PathMatchingResourcePatternResolver(),
            List.of("classpath*:astarte/interfaces/*.json"), JsonMapper.builder().build());

    private static AstarteInterface parse(String json) {
        return AstarteInterfaces.parse("bad.json", json.getBytes(StandardCharsets.UTF_8));
    }

    private static String iface(String extraTop, String mappings) {
        return "{\"interface_name\":\"org.example.T\",\"version_major\":1,\"version_minor\":0,"
                + "\"type\":\"datastream\",\"ownership\":\"device\"" + extraTop + ",\"mappings\":[" + mappings + "]}";
    }

    @Test
    void loadsEveryDefinitionWithDefaults() {
        assertThat(this.interfaces.all()).extracting(AstarteInterface::name)
            .containsExactlyInAnyOrder("org.example.Sensors", "org.example.Weather", "org.example.Settings",
                    "org.example.Commands", "org.example.Config");
        AstarteInterface sensors = this.interfaces.get("org.example.Sensors").orElseThrow();
        assertThat(sensors.major()).isEqualTo(1);
        assertThat(sensors.minor()).isEqualTo(2);
        AstarteMapping counter = sensors.mappingFor("/kitchen/counter");
        assertThat(counter.reliability()).isEqualTo(AstarteMapping.Reliability.UNRELIABLE);
        assertThat(counter.retention()).isEqualTo(Retention.DISCARD);
        assertThat(counter.expiry()).isEqualTo(Duration.ZERO);
        assertThat(sensors.mappingFor("/events/timed").expiry()).isEqualTo(Duration.ofSeconds(60));
        assertThat(this.interfaces.serverOwned()).extracting(AstarteInterface::name)
            .containsExactlyInAnyOrder("org.example.Commands", "org.example.Config");
        assertThat(Arrays.asList(this.interfaces.introspection().split(";"))).containsExactlyInAnyOrder(
                "org.example.Sensors:1:2", "org.example.Weather:0:1", "org.example.Settings:2:0",
                "org.example.Commands:1:0", "org.example.Config:1:0");
    }

    @Test
    void pathsMatchLiteralsAndParameters() {
        AstarteInterface sensors = this.interfaces.get("org.example.Sensors").orElseThrow();
        // A parameter takes any segment, digits first too (the docs' /0/value).
        assertThat(sensors.mappingFor("/0/temperature").endpoint()).isEqualTo("/%{sensor}/temperature");
        assertThat(sensors.mappingFor("/événement/temperature")).isNotNull();
        assertThat(sensors.mappingFor("/events/timed").endpoint()).isEqualTo("/events/timed");
        assertThat(sensors.mappingFor("/a/temperature/x")).isNull();
        assertThat(sensors.mappingFor("//temperature")).isNull();
        assertThat(sensors.mappingFor("/a+/temperature")).isNull();
        assertThat(sensors.mappingFor("/#/temperature")).isNull();
        assertThat(sensors.mappingFor("a/temperature")).isNull();
        assertThat(sensors.mappingFor("/a/Temperature")).isNull();
        AstarteInterface weather = this.interfaces.get("org.example.Weather").orElseThrow();
        assertThat(weather.isObjectPath("/station1")).isTrue();
        assertThat(weather.isObjectPath("/station1/temp")).isFalse();
        assertThat(weather.isObjectPath("/")).isFalse();
    }

    @Test
    void badDefinitionsFailNamingFileAndField() {
        assertThatThrownBy(() -> parse("{"))
            .isInstanceOf(AstarteInterfaceDefinitionException.class)
            .hasMessageStartingWith("Astarte interface bad.json, field (document): not valid JSON");
        assertThatThrownBy(() -> parse(iface("", "").replace("org.example.T", "1bad")))
            .hasMessageContaining("bad.json, field interface_name: '1bad' is not a valid interface name");
        assertThatThrownBy(() -> parse(iface("", "{\"endpoint\":\"/a\",\"type\":\"double\"}")
            .replace("\"version_major\":1", "\"version_major\":0")))
            .hasMessageContaining("field version_minor: version_major and version_minor cannot both be 0");
        assertThatThrownBy(() -> parse(iface("", "{\"endpoint\":\"/a\",\"type\":\"float\"}")))
            .hasMessage("Astarte interface bad.json (org.example.T), field mappings[0].type: 'float' is not an Astarte type");
        assertThatThrownBy(() -> parse(iface("", "{\"endpoint\":\"/a\",\"type\":\"double\"},{\"endpoint\":\"a/b\",\"type\":\"double\"}")))
            .hasMessageContaining("field mappings[1].endpoint: 'a/b' is not a valid endpoint");
        assertThatThrownBy(() -> parse(iface("", "{\"endpoint\":\"/a\",\"type\":\"double\",\"reliability\":\"sometimes\"}")))
            .hasMessageContaining("field mappings[0].reliability: must be one of unreliable, guaranteed, unique but was 'sometimes'");
        assertThatThrownBy(() -> parse(iface("", "")))
            .hasMessageContaining("field mappings: must be an array of 1 to 1024 mappings");
        assertThatThrownBy(() -> parse(iface("", "{\"endpoint\":\"/a\",\"type\":\"double\",\"allow_unset\":true}")))
            .hasMessageContaining("field mappings[0].allow_unset: is only allowed in properties interfaces");
        assertThatThrownBy(() -> parse(iface("", "{\"endpoint\":\"/a\",\"type\":\"double\",\"expiry\":-1}")))
            .hasMessageContaining("field mappings[0].expiry: must be an integer >= 0");
        assertThatThrownBy(() -> parse(iface("", "{\"type\":\"double\"}")))
            .hasMessageContaining("field mappings[0].endpoint: is required");
        assertThatThrownBy(() -> parse(iface("", "{\"endpoint\":\"/a\",\"type\":\"double\"}").replace(
                "\"ownership\":\"device\"", "\"ownership\":\"cloud\"")))
            .hasMessageContaining("field ownership: must be one of device, server but was 'cloud'");
    }

    @Test
    void structuralRulesOfTheServerAreEnforced() {
        assertThatThrownBy(() -> parse(iface("", "{\"endpoint\":\"/%{a}/x\",\"type\":\"double\"},"
                + "{\"endpoint\":\"/b/x\",\"type\":\"double\"}")))
            .hasMessageContaining("field mappings[1].endpoint: '/b/x' is ambiguous with '/%{a}/x'");
        assertThatThrownBy(() -> parse(iface("", "{\"endpoint\":\"/a/x\",\"type\":\"double\"},"
                + "{\"endpoint\":\"/A/X\",\"type\":\"double\"}")))
            .hasMessageContaining("is ambiguous with");
        assertThatThrownBy(() -> parse(iface("", "{\"endpoint\":\"/a\",\"type\":\"double\"},"
                + "{\"endpoint\":\"/a/b\",\"type\":\"double\"}")))
            .hasMessageContaining("'/a/b' overlaps as a prefix with '/a'");
        assertThatThrownBy(() -> parse(iface(",\"aggregation\":\"object\"", "{\"endpoint\":\"/s/a\",\"type\":\"double\"},"
                + "{\"endpoint\":\"/t/b\",\"type\":\"double\"}")))
            .hasMessageContaining("mappings[1].endpoint: every mapping of an object interface must share the prefix");
        assertThatThrownBy(() -> parse(iface(",\"aggregation\":\"object\"", "{\"endpoint\":\"/s/a\",\"type\":\"double\"},"
                + "{\"endpoint\":\"/s/b\",\"type\":\"double\",\"reliability\":\"unique\"}")))
            .hasMessageContaining("mappings[1].reliability: every mapping of an object interface must have the same reliability");
        assertThatThrownBy(() -> parse(iface(",\"aggregation\":\"object\"", "{\"endpoint\":\"/s/a\",\"type\":\"double\"}")
            .replace("datastream", "properties")))
            .hasMessageContaining("field aggregation: a properties interface cannot be an object aggregate");
        assertThatThrownBy(() -> parse(iface("", "{\"endpoint\":\"/a\",\"type\":\"double\",\"retention\":\"stored\"}")
            .replace("datastream", "properties")))
            .hasMessageContaining("mappings[0].retention: is only allowed in datastream interfaces");
        // Legacy keys still read: quality, aggregate, path.
        AstarteInterface legacy = parse("{\"interface_name\":\"org.example.L\",\"version_major\":1,\"version_minor\":0,"
                + "\"type\":\"datastream\",\"quality\":\"producer\",\"aggregate\":true,\"mappings\":[{\"path\":\"/s/a\",\"type\":\"double\"}]}"
            .replace("producer", "device"));
        assertThat(legacy.isObject()).isTrue();
        assertThat(legacy.mappings().get(0).endpoint()).isEqualTo("/s/a");
    }

    @Test
    void individualValuesAreCheckedAndEncoded() {
        AstarteOutbound out = this.interfaces.individual("org.example.Sensors", "/k/temperature", 21.5, null);
        assertThat(out.topicSuffix()).isEqualTo("org.example.Sensors/k/temperature");
        assertThat(out.qos()).isEqualTo(1);
        assertThat(out.retention()).isEqualTo(Retention.STORED);
        assertThat(AstartePayloads.decode(out.payload()).timestamp()).isNull();
        assertThat(this.interfaces.individual("org.example.Sensors", "/k/counter", 1, null).qos()).isZero();
        assertThat(this.interfaces.individual("org.example.Sensors", "/k/samples", List.of(1.0), null).qos()).isEqualTo(2);
        AstarteOutbound timed = this.interfaces.individual("org.example.Sensors", "/events/timed", 5L, T);
        assertThat(AstartePayloads.decode(timed.payload()).timestamp()).isEqualTo(T);
        assertThat(timed.expiry()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void callsAstarteWouldRefuseAreRejectedBeforeEncoding() {
        assertThatThrownBy(() -> this.interfaces.individual("org.example.Nope", "/a", 1, null))
            .isInstanceOf(AstarteValidationException.class)
            .hasMessageContaining("Astarte interface org.example.Nope, path /a: is not one of the device's interfaces");
        assertThatThrownBy(() -> this.interfaces.individual("org.example.Sensors", "/k/humidity", 1.0, null))
            .hasMessageContaining("path /k/humidity: no mapping matches the path");
        assertThatThrownBy(() -> this.interfaces.individual("org.example.Sensors", "/k/counter", 1.5, null))
            .hasMessageContaining("type integer needs a Integer but got java.lang.Double");
        assertThatThrownBy(() -> this.interfaces.individual("org.example.Sensors", "/events/timed", 5L, null))
            .hasMessageContaining("explicit_timestamp: a timestamp is required");
        assertThatThrownBy(() -> this.interfaces.individual("org.example.Sensors", "/k/counter", 5, T))
            .hasMessageContaining("has no explicit_timestamp");
        assertThatThrownBy(() -> this.interfaces.individual("org.example.Commands", "/1/run", "x", null))
            .hasMessageContaining("is owned by the server");
        assertThatThrownBy(() -> this.interfaces.individual("org.example.Settings", "/a/enabled", true, null))
            .hasMessageContaining("use setProperty");
        assertThatThrownBy(() -> this.interfaces.individual("org.example.Weather", "/s/temp", 1.0, null))
            .hasMessageContaining("use sendAggregate");
        assertThatThrownBy(() -> this.interfaces.property("org.example.Sensors", "/k/counter", 1))
            .hasMessageContaining("is a datastream interface");
        assertThatThrownBy(() -> this.interfaces.unset("org.example.Settings", "/firmware/version"))
            .hasMessageContaining("unset is not allowed");
        assertThatThrownBy(() -> this.interfaces.individual("org.example.Sensors", "/k/samples",
                new double[4000], null)).hasMessageContaining("at most 1024 items");
    }

    @Test
    void propertiesAreUniqueAndUnsetIsAnEmptyPayload() {
        AstarteOutbound set = this.interfaces.property("org.example.Settings", "/wifi/enabled", true);
        assertThat(set.qos()).isEqualTo(2);
        assertThat(set.major()).isEqualTo(2);
        assertThat(set.property()).isTrue();
        AstarteOutbound unset = this.interfaces.unset("org.example.Settings", "/wifi/enabled");
        assertThat(unset.payload()).isEmpty();
        assertThat(unset.isUnset()).isTrue();
        assertThat(unset.qos()).isEqualTo(2);
    }

    @Test
    void objectAggregatesCheckPathKeysAndRequiredMappings() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("temp", 21.5);
        values.put("hum", 40.0);
        AstarteOutbound out = this.interfaces.aggregate("org.example.Weather", "/station1", values, null);
        assertThat(out.topicSuffix()).isEqualTo("org.example.Weather/station1");
        assertThat(out.qos()).isEqualTo(1);
        assertThat(AstartePayloads.decode(out.payload()).value().asDocument().keySet()).containsExactly("temp", "hum");
        // Astarte accepts incomplete objects; only required keys are mandatory.
        assertThat(this.interfaces.aggregate("org.example.Weather", "/s", Map.of("temp", 1.0), null)).isNotNull();
        assertThatThrownBy(() -> this.interfaces.aggregate("org.example.Weather", "/s", Map.of("hum", 1.0), null))
            .hasMessageContaining("missing required object keys [temp]");
        assertThatThrownBy(() -> this.interfaces.aggregate("org.example.Weather", "/s", Map.of("temp", 1.0, "wind", 2.0), null))
            .hasMessageContaining("unexpected object key 'wind'");
        assertThatThrownBy(() -> this.interfaces.aggregate("org.example.Weather", "/s/temp", Map.of("temp", 1.0), null))
            .hasMessageContaining("no object path");
        assertThatThrownBy(() -> this.interfaces.aggregate("org.example.Weather", "/s", Map.of("temp", "hot"), null))
            .hasMessageContaining("path /s/temp: type double needs a Double");
        assertThatThrownBy(() -> this.interfaces.aggregate("org.example.Sensors", "/s", Map.of("temp", 1.0), null))
            .hasMessageContaining("is not an object aggregated interface");
    }

    @Test
    void messagesLargerThanTheBrokerAcceptsAreRejected() {
        AstarteInterface blob = parse(iface("", "{\"endpoint\":\"/b\",\"type\":\"binaryblob\"}"));
        AstarteInterfaces set = AstarteInterfaces.of(List.of(blob));
        // A 65536-byte blob is a valid value but exceeds the 65535-byte payload limit once encoded.
        assertThatThrownBy(() -> set.individual("org.example.T", "/b", new byte[65536], null))
            .hasMessageContaining("the encoded message has 65549 bytes, the broker accepts at most 65535");
        assertThat(set.individual("org.example.T", "/b", new byte[65522], null).payload()).hasSize(65535);
        assertThatThrownBy(() -> AstarteInterfaces.of(List.of(blob, blob))).hasMessageContaining("defined twice");
    }
}

package dev.iotspring.spotflow;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The hand-written parts of the wire format: .NET time spans, connection strings, instance URLs, merge patches. */
class SpotflowWireTests {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void timeSpansAsDotNetWritesThem() {
        assertThat(SpotflowApi.timeSpan("13.23:59:59")).isEqualTo(Duration.ofDays(13).plusHours(23).plusMinutes(59)
            .plusSeconds(59));
        assertThat(SpotflowApi.timeSpan("00:30:00")).isEqualTo(Duration.ofMinutes(30));
        assertThat(SpotflowApi.timeSpan("1.02:03:04.1234567")).isEqualTo(Duration.ofDays(1).plusHours(2)
            .plusMinutes(3).plusSeconds(4));
        assertThat(SpotflowApi.timeSpan("-00:00:05")).isZero();
        assertThatThrownBy(() -> SpotflowApi.timeSpan("5 minutes")).isInstanceOf(SpotflowHttpException.class)
            .hasMessageContaining("tokenRemainingLifetime");
    }

    @Test
    void connectionStringPartsSplitAtTheirFirstEquals() {
        assertThat(SpotflowApi.connectionString("HostName=hub-x.example;DeviceId=ws:pump-01;"
                + "SharedAccessSignature=SharedAccessSignature sr=a&sig=b=&se=1"))
            .containsEntry("HostName", "hub-x.example")
            .containsEntry("DeviceId", "ws:pump-01")
            .containsEntry("SharedAccessSignature", "SharedAccessSignature sr=a&sig=b=&se=1");
    }

    @Test
    void instanceIsAHostWithHttpsAssumed() {
        assertThat(SpotflowInstance.baseUrl("api.eu1.spotflow.io")).hasToString("https://api.eu1.spotflow.io");
        assertThat(SpotflowInstance.baseUrl("https://api.eu1.spotflow.io/some/path"))
            .hasToString("https://api.eu1.spotflow.io");
        assertThat(SpotflowInstance.baseUrl("HTTPS://host:8443/")).hasToString("https://host:8443");
        assertThat(SpotflowInstance.baseUrl("http://127.0.0.1:8080")).hasToString("http://127.0.0.1:8080");
        assertThatThrownBy(() -> SpotflowInstance.baseUrl("https://")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SpotflowInstance.baseUrl("user@host")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mergePatchDiffAndApplyAreInverse() {
        ObjectNode from = (ObjectNode) this.json.readTree("{\"a\":1,\"b\":{\"c\":2,\"d\":3},\"e\":[1,2],\"gone\":true}");
        ObjectNode to = (ObjectNode) this.json.readTree("{\"a\":1,\"b\":{\"c\":5,\"d\":3},\"e\":[1],\"new\":null}");
        ObjectNode patch = JsonMergePatch.diff(from, to);
        assertThat(this.json.writeValueAsString(patch)).isEqualTo("{\"b\":{\"c\":5},\"e\":[1],\"new\":null,\"gone\":null}");
        // A null value in the target cannot survive a merge patch (RFC 7386): it means "remove".
        ObjectNode expected = to.deepCopy();
        expected.remove("new");
        assertThat(JsonMergePatch.apply(from, patch)).isEqualTo(expected);
        assertThat(JsonMergePatch.diff(to, to)).isEmpty();
    }

    @Test
    void storedCredentialsAreReusedOnlyForTheSameTokenAndDeviceIdBeforeExpiry() {
        java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");
        SpotflowCredentialStore.Stored stored = new SpotflowCredentialStore.Stored(
                SpotflowCredentialStore.hash("pt"), "dev", true, "rt", now.plusSeconds(60), now.minusSeconds(60),
                "hub", "ws:dev", "sas", now.plusSeconds(10));
        assertThat(stored.reusableFor("pt", "dev", now)).isTrue();
        assertThat(stored.reusableFor("other", "dev", now)).isFalse();
        assertThat(stored.reusableFor("pt", null, now)).isFalse();
        assertThat(stored.reusableFor("pt", "dev", now.plusSeconds(61))).isFalse();
        // Past its refresh time but not expired: still reused (the reference SDK would re-provision).
        assertThat(stored.reusableFor("pt", "dev", now.plusSeconds(30))).isTrue();
        assertThat(stored.toString()).doesNotContain("sas").doesNotContain("rt,");
    }
}

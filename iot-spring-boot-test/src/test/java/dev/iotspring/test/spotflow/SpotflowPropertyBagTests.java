package dev.iotspring.test.spotflow;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The stream-message property bag of spec §4: the SDK's percent-encoding and what the emulator flags. */
class SpotflowPropertyBagTests {

    @Test
    void encodesEveryByteButTheUnreservedOnesWithUpperCaseHex() {
        assertThat(PropertyBag.encode("AZaz09-._~")).isEqualTo("AZaz09-._~");
        assertThat(PropertyBag.encode("m 17")).isEqualTo("m%2017");
        assertThat(PropertyBag.encode("a+b/c&d=e")).isEqualTo("a%2Bb%2Fc%26d%3De");
        assertThat(PropertyBag.encode("é€")).isEqualTo("%C3%A9%E2%82%AC");
    }

    @Test
    void decodesInTopicOrderAndAcceptsTheSdkBytesWithoutProblems() {
        PropertyBag bag = PropertyBag.parse(
                "stream-group-name=plant&stream-name=temps&batch-id=2025-01-01&message-id=m%2017&content-encoding=br");
        assertThat(bag.properties()).containsExactly(java.util.Map.entry("stream-group-name", "plant"),
                java.util.Map.entry("stream-name", "temps"), java.util.Map.entry("batch-id", "2025-01-01"),
                java.util.Map.entry("message-id", "m 17"), java.util.Map.entry("content-encoding", "br"));
        assertThat(bag.problems()).isEmpty();
        assertThat(PropertyBag.parse("").properties()).isEmpty();
    }

    @Test
    void roundTripsAnyValue() {
        String value = "Grüße, 1+1=2 & 50% ~ok~ 🚀";
        PropertyBag bag = PropertyBag.parse("message-id=" + PropertyBag.encode(value));
        assertThat(bag.properties()).containsEntry("message-id", value);
        assertThat(bag.problems()).isEmpty();
    }

    @Test
    void namesEachDifferenceFromTheSdk() {
        assertThat(PropertyBag.parse("message-id=a%2fb").problems()).singleElement()
            .satisfies((p) -> assertThat(p).contains("upper-case hex"));
        assertThat(PropertyBag.parse("message-id=%41").problems()).singleElement()
            .satisfies((p) -> assertThat(p).contains("the character itself"));
        assertThat(PropertyBag.parse("message-id=é").problems()).singleElement()
            .satisfies((p) -> assertThat(p).contains("percent-encodes"));
        assertThat(PropertyBag.parse("message-id=1&batch-id=2").problems()).singleElement()
            .satisfies((p) -> assertThat(p).contains("out of the SDK's order"));
        assertThat(PropertyBag.parse("colour=red").problems()).singleElement()
            .satisfies((p) -> assertThat(p).contains("unknown key 'colour'"));
        assertThat(PropertyBag.parse("batch-id=1&batch-id=2").problems()).singleElement()
            .satisfies((p) -> assertThat(p).contains("twice"));
        assertThat(PropertyBag.parse("batch-id").problems()).singleElement()
            .satisfies((p) -> assertThat(p).contains("not a key=value pair"));
    }
}

package dev.iotspring.spotflow;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.iotspring.spotflow.SpotflowTopics.Close;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpotflowTopicsTests {

    private static final String DEVICE = "7d0c55e1-0000-4000-8000-0000000000e1:pump-01";

    @Test
    void specExampleIsReproducedByteForByte() {
        MessageOptions options = MessageOptions.builder().streamGroup("plant").stream("temps").batchId("2025-01-01")
            .messageId("m 17").build();
        String topic = SpotflowTopics.streamTopic(DEVICE, SpotflowTopics.propertyBag(options, true, false, Close.NONE));
        assertThat(topic).isEqualTo("devices/" + DEVICE
                + "/messages/events/stream-group-name=plant&stream-name=temps&batch-id=2025-01-01&message-id=m%2017"
                + "&content-encoding=br");
    }

    @Test
    void emptyBagKeepsTheTrailingSlash() {
        assertThat(SpotflowTopics.streamTopic(DEVICE,
                SpotflowTopics.propertyBag(MessageOptions.defaults(), false, false, Close.NONE)))
            .isEqualTo("devices/" + DEVICE + "/messages/events/");
    }

    @Test
    void percentEncodingKeepsOnlyUnreservedCharacters() {
        assertThat(SpotflowTopics.percentEncode("AZaz09-._~")).isEqualTo("AZaz09-._~");
        assertThat(SpotflowTopics.percentEncode("a b+c&d=e/f?g#h%i*j'k(l)m!n,o;p:q@r$s[t]u\"v"))
            .isEqualTo("a%20b%2Bc%26d%3De%2Ff%3Fg%23h%25i%2Aj%27k%28l%29m%21n%2Co%3Bp%3Aq%40r%24s%5Bt%5Du%22v");
        // UTF-8 bytes, upper-case hex; never '+' for a space.
        assertThat(SpotflowTopics.percentEncode("Ž°€ \u0000\n")).isEqualTo("%C5%BD%C2%B0%E2%82%AC%20%00%0A");
        assertThat(SpotflowTopics.percentEncode("\uD83D\uDE00")).isEqualTo("%F0%9F%98%80");
    }

    @Test
    void everyOptionCombinationInTheFixedOrder() {
        String[] keys = { "stream-group-name", "stream-name", "batch-id", "batch-slice-id", "message-id",
                "chunk-id" };
        String[] values = { "grp 1", "strm/2", "b&3", "s=4", "m?5", "c#6" };
        String[] encoded = { "grp%201", "strm%2F2", "b%263", "s%3D4", "m%3F5", "c%236" };
        int checked = 0;
        for (int mask = 0; mask < 64; mask++) {
            MessageOptions.Builder builder = MessageOptions.builder();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                if ((mask & (1 << i)) != 0) {
                    set(builder, i, values[i]);
                    expected.add(keys[i] + "=" + encoded[i]);
                }
            }
            MessageOptions options = builder.build();
            for (int flags = 0; flags < 4; flags++) {
                boolean brotli = (flags & 1) != 0;
                boolean externalized = (flags & 2) != 0;
                for (Close close : Close.values()) {
                    List<String> all = new ArrayList<>(expected);
                    if (brotli) {
                        all.add("content-encoding=br");
                    }
                    if (externalized) {
                        all.add("has-externalized-payload=true");
                    }
                    if (close == Close.BATCH) {
                        all.add("complete-batch=true");
                        all.add("ignore-payload=true");
                    }
                    if (close == Close.MESSAGE) {
                        all.add("complete-message=true");
                        all.add("ignore-payload=true");
                    }
                    assertThat(SpotflowTopics.propertyBag(options, brotli, externalized, close))
                        .as("mask %d flags %d close %s", mask, flags, close)
                        .isEqualTo(String.join("&", all));
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(64 * 4 * 3);
    }

    @Test
    void completionsCarryTheirFlags() {
        MessageOptions batch = MessageOptions.builder().streamGroup("g").stream("s").batchId("B").build();
        assertThat(SpotflowTopics.propertyBag(batch, false, false, Close.BATCH))
            .isEqualTo("stream-group-name=g&stream-name=s&batch-id=B&complete-batch=true&ignore-payload=true");
        MessageOptions message = MessageOptions.builder().batchId("B").messageId("M").build();
        assertThat(SpotflowTopics.propertyBag(message, false, false, Close.MESSAGE))
            .isEqualTo("batch-id=B&message-id=M&complete-message=true&ignore-payload=true");
    }

    @Test
    void emptyIdsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> MessageOptions.builder().batchId(""))
            .isInstanceOf(SpotflowValidationException.class).hasMessageContaining("batchId");
        assertThatThrownBy(() -> MessageOptions.builder().streamGroup(""))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("streamGroup");
    }

    @Test
    void defaultsApplyOnlyWhenNoStreamIsGiven() {
        MessageOptions none = MessageOptions.defaults().orDefaults("g", "s", Compression.FASTEST);
        assertThat(none.streamGroup()).isEqualTo("g");
        assertThat(none.stream()).isEqualTo("s");
        assertThat(none.compression()).isEqualTo(Compression.FASTEST);
        MessageOptions groupOnly = MessageOptions.builder().streamGroup("other").compression(Compression.UNCOMPRESSED)
            .build().orDefaults("g", "s", Compression.FASTEST);
        assertThat(groupOnly.streamGroup()).isEqualTo("other");
        assertThat(groupOnly.stream()).isNull();
        assertThat(groupOnly.compression()).isEqualTo(Compression.UNCOMPRESSED);
    }

    private static void set(MessageOptions.Builder builder, int field, String value) {
        switch (field) {
            case 0 -> builder.streamGroup(value);
            case 1 -> builder.stream(value);
            case 2 -> builder.batchId(value);
            case 3 -> builder.batchSliceId(value);
            case 4 -> builder.messageId(value);
            default -> builder.chunkId(value);
        }
    }
}

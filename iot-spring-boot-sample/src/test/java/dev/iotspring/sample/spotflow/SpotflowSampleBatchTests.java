package dev.iotspring.sample.spotflow;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.iotspring.test.autoconfigure.AutoConfigureIotEmulators;
import dev.iotspring.test.autoconfigure.IotEmulators;
import dev.iotspring.test.spotflow.StreamMessage;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/** The sample's batch and snapshot options on the Spotflow emulator: what reaches the hub, in which order. */
@SpringBootTest(properties = { "sample.spotflow.batch-size=3", "sample.spotflow.snapshot-every=2",
        "sample.spotflow.interval=50ms", "iot.spotflow.compression=fastest" })
@AutoConfigureIotEmulators
class SpotflowSampleBatchTests {

    @Autowired
    IotEmulators emulators;

    @Test
    void batchesCloseWithAChunkedSummaryAndSnapshotsGoCompressedOrByFileUpload() {
        List<StreamMessage> messages = this.emulators.spotflow().awaitStreamMessages(17, Duration.ofSeconds(60));
        // measurements 1..3 in batch 1 (a snapshot after the 2nd), 4..6 in batch 2 (snapshots after the 4th and 6th)
        assertThat(messages.subList(0, 17)).extracting(SpotflowSampleBatchTests::describe)
            .containsExactly("m-1", "m-2", "snapshot-1", "m-3", "summary/1", "summary/2", "complete summary",
                    "complete batch", "m-1", "snapshot-2", "m-2", "m-3", "snapshot-3", "summary/1", "summary/2",
                    "complete summary", "complete batch");
        assertThat(messages.subList(0, 8)).extracting((m) -> m.property("batch-id")).containsOnly(
                messages.get(0).property("batch-id"));
        assertThat(messages.get(8).property("batch-id")).isNotEqualTo(messages.get(0).property("batch-id"));
        // the readings compress below the inline limit; the random dump is uploaded even compressed
        assertThat(messages.get(2).compressed()).isTrue();
        assertThat(messages.get(2).property("has-externalized-payload")).isNull();
        assertThat(messages.get(9).property("has-externalized-payload")).isEqualTo("true");
        assertThat(messages.get(9).body().length).isGreaterThan(StreamMessage.MAX_PAYLOAD);
        assertThat(messages.get(9).bodyAsString()).startsWith("{\"at\":\"").contains("\"kind\":\"raw-dump\"");
        assertThat(messages).allSatisfy((m) -> assertThat(m.problems()).isEmpty());
    }

    private static String describe(StreamMessage m) {
        if (m.isBatchCompletion()) {
            return "complete batch";
        }
        if (m.isMessageCompletion()) {
            return "complete " + m.property("message-id");
        }
        String chunk = m.property("chunk-id");
        return m.property("message-id") + ((chunk != null) ? "/" + chunk : "");
    }
}

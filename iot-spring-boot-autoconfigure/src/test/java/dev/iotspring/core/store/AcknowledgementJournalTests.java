package dev.iotspring.core.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.QueuedMessage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The journal's file as the next process finds it: each test writes with one mapping and reads with a new one, as
 * a restarted application maps the file its killed predecessor wrote.
 */
class AcknowledgementJournalTests {

    private static final Instant CREATED = Instant.parse("2026-12-03T10:00:00.123456789Z");

    @TempDir
    Path directory;

    private Path file() {
        return AcknowledgementJournal.fileOf(this.directory.resolve("spotflow.db"), "messages");
    }

    private static QueuedMessage row(long sequence) {
        return new QueuedMessage(sequence, new OutboundMessage("id-" + sequence, "t", new byte[0], 1, false,
                CREATED.plusNanos(sequence)));
    }

    private static List<Long> sequences(AcknowledgementJournal journal) {
        return journal.entries().stream().map(AcknowledgementJournal.Entry::sequence).toList();
    }

    @Test
    void theRowsRecordedAndNotCommittedAreWhatTheNextProcessFinds() {
        assertThat(this.directory.resolve("spotflow.db-acks-messages")).isEqualTo(file());
        AcknowledgementJournal journal = AcknowledgementJournal.open(file());
        LongStream.range(0, 5).forEach(s -> assertThat(journal.record(row(s))).isTrue());
        long mark = journal.mark();
        journal.record(row(5));
        journal.record(row(7));
        journal.committed(mark); // the commit that carried 0 to 4 succeeded

        AcknowledgementJournal next = AcknowledgementJournal.open(file());
        assertThat(sequences(next)).containsExactly(5L, 7L);
        AcknowledgementJournal.Entry entry = next.entries().get(0);
        assertThat(entry.names(5, OutboxWriter.toNanos(CREATED.plusNanos(5)), "id-5")).isTrue();
        assertThat(entry.names(5, OutboxWriter.toNanos(CREATED.plusNanos(5)), "id-6")).isFalse();
        assertThat(entry.names(5, OutboxWriter.toNanos(CREATED), "id-5")).isFalse();
    }

    @Test
    void aFullRingRefusesARowUntilACommitFreesItsSlotsAndIndicesGoOnPastTheEnd() {
        AcknowledgementJournal journal = AcknowledgementJournal.open(file());
        int capacity = AcknowledgementJournal.CAPACITY;
        for (long s = 0; s < capacity; s++) {
            assertThat(journal.record(row(s))).isTrue();
        }
        assertThat(journal.record(row(capacity))).as("full: the acknowledgement must commit instead").isFalse();
        journal.committed(journal.mark());
        for (long s = capacity; s < capacity + 10; s++) {
            assertThat(journal.record(row(s))).isTrue();
        }
        assertThat(sequences(AcknowledgementJournal.open(file())))
            .containsExactlyElementsOf(LongStream.range(capacity, capacity + 10).boxed().toList());
    }

    @Test
    void aSlotCountedButNotWrittenInThisLapNamesNoRow() throws IOException {
        AcknowledgementJournal journal = AcknowledgementJournal.open(file());
        journal.record(row(1));
        journal.record(row(2));
        // A power cut that kept the header page but not the slot page: the index says 3, slot 2 was never written.
        writeLong(16, 3);
        assertThat(sequences(AcknowledgementJournal.open(file()))).containsExactly(1L, 2L);
    }

    @Test
    void aHeaderNoJournalWritesIsStartedAfreshInsteadOfNamingRows() throws IOException {
        AcknowledgementJournal journal = AcknowledgementJournal.open(file());
        journal.record(row(1));
        writeLong(8, 5); // start past end
        AcknowledgementJournal reopened = AcknowledgementJournal.open(file());
        assertThat(reopened.entries()).isEmpty();
        assertThat(reopened.record(row(2))).isTrue();
        assertThat(sequences(AcknowledgementJournal.open(file()))).containsExactly(2L);
    }

    @Test
    void aFileOfAnotherSizeIsStartedAfresh() throws IOException {
        Files.write(file(), new byte[] { 1, 2, 3 });
        AcknowledgementJournal journal = AcknowledgementJournal.open(file());
        assertThat(journal.entries()).isEmpty();
        journal.record(row(9));
        assertThat(sequences(AcknowledgementJournal.open(file()))).containsExactly(9L);
    }

    private void writeLong(long position, long value) throws IOException {
        try (FileChannel channel = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
            channel.write(buffer, position);
        }
    }
}

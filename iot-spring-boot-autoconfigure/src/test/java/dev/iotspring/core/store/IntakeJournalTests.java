package dev.iotspring.core.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.QueuedMessage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The intake journal's file as the next process finds it: each test writes with one mapping and reads with a new
 * one, as a restarted application maps the file its killed predecessor wrote.
 */
class IntakeJournalTests {

    private static final Instant CREATED = Instant.parse("2026-12-03T12:00:00.123456789Z");

    /** The record of {@link #message}: a 24-byte header, 37 bytes of fields, 100 of payload, padded to 8. */
    private static final int RECORD = 168;

    /** Five records and 104 bytes: the sixth does not fit before the end of the ring. */
    private static final int SMALL = 5 * RECORD + 104;

    @TempDir
    Path directory;

    private Path file() {
        return IntakeJournal.fileOf(this.directory.resolve("stellanow.db"), "events");
    }

    private static OutboundMessage message(int i) {
        return new OutboundMessage("id-" + i, "topic/" + i, new byte[100], 1, false, CREATED.plusNanos(i));
    }

    private static List<OutboundMessage> messages(int from, int to) {
        return IntStream.range(from, to).mapToObj(IntakeJournalTests::message).toList();
    }

    private static boolean append(IntakeJournal journal, List<OutboundMessage> messages, long firstSequence) {
        return journal.append(journal.encode(messages), firstSequence);
    }

    private static List<Long> sequences(IntakeJournal journal) {
        return journal.entries().stream().map(QueuedMessage::sequence).toList();
    }

    @Test
    void theMessagesWrittenAndNotCommittedAreWhatTheNextProcessFindsWithEveryField() {
        assertThat(this.directory.resolve("stellanow.db-intake-events")).isEqualTo(file());
        IntakeJournal journal = IntakeJournal.open(file());
        OutboundMessage full = new OutboundMessage("ünïcode-id", "a/b/ü", new byte[] { 0, 1, (byte) 255 }, 2, true,
                CREATED, Map.of("content-type", "application/json", "odd key&=", "välue=&%"));
        OutboundMessage bare = new OutboundMessage("bare", "t", new byte[0], 0, false, CREATED.plusSeconds(1));
        assertThat(append(journal, messages(0, 3), 10)).isTrue();
        long mark = journal.mark();
        assertThat(append(journal, List.of(full, bare), 13)).isTrue();
        journal.committed(mark); // the commit that carried 10 to 12 succeeded

        List<QueuedMessage> found = IntakeJournal.open(file()).entries();
        assertThat(found).extracting(QueuedMessage::sequence).containsExactly(13L, 14L);
        assertThat(found.get(0).message()).isEqualTo(full);
        assertThat(found.get(0).message().payload()).containsExactly(0, 1, 255);
        assertThat(found.get(1).message()).isEqualTo(bare);
    }

    @Test
    void aRecordThatDoesNotFitBeforeTheEndOfTheRingGoesToItsStartAfterAPad() {
        IntakeJournal journal = IntakeJournal.open(file(), SMALL);
        assertThat(journal.encode(List.of(message(0))).get(0)).as("the body this test assumes").hasSize(137);
        assertThat(append(journal, messages(0, 5), 0)).isTrue();
        assertThat(append(journal, messages(5, 6), 5)).as("the ring holds five").isFalse();
        journal.committed(journal.mark() - RECORD); // four committed, one left near the end of the ring
        assertThat(append(journal, messages(5, 7), 5)).as("written at the ring's start, after a pad").isTrue();
        assertThat(journal.size()).isEqualTo(RECORD + 104 + 2 * RECORD);

        IntakeJournal next = IntakeJournal.open(file(), SMALL);
        assertThat(sequences(next)).containsExactly(4L, 5L, 6L);
        assertThat(next.entries().get(2).message()).isEqualTo(message(6));
    }

    @Test
    void anAppendIsAllOrNothing() {
        IntakeJournal journal = IntakeJournal.open(file(), SMALL);
        assertThat(append(journal, messages(0, 3), 0)).isTrue();
        assertThat(append(journal, messages(3, 6), 3)).as("three more do not fit").isFalse();
        assertThat(sequences(IntakeJournal.open(file(), SMALL))).containsExactly(0L, 1L, 2L);
    }

    @Test
    void aMessageLargerThanAQuarterOfTheRingIsNotJournaled() {
        IntakeJournal journal = IntakeJournal.open(file(), SMALL);
        OutboundMessage large = OutboundMessage.of("large", "t", new byte[SMALL / 4]);
        assertThat(journal.encode(List.of(message(0), large))).isNull();
        assertThat(journal.encode(List.of(message(0)))).hasSize(1);
    }

    @Test
    void theReplayStopsAtARecordThatIsTornOrLeftFromAnEarlierLap() throws IOException {
        IntakeJournal journal = IntakeJournal.open(file(), SMALL);
        assertThat(append(journal, messages(0, 3), 0)).isTrue();
        // A byte of the second record's payload as a power cut may leave it: its checksum no longer matches.
        overwrite(64 + RECORD + 100, (byte) 7);
        assertThat(sequences(IntakeJournal.open(file(), SMALL))).containsExactly(0L);

        // The third record's position tag as an earlier lap wrote it.
        IntakeJournal again = IntakeJournal.open(this.directory.resolve("other"), SMALL);
        assertThat(append(again, messages(0, 3), 0)).isTrue();
        long earlierLap = (2 * RECORD + SMALL) ^ 0x696f_742d_696e_7431L;
        overwriteLong(this.directory.resolve("other"), 64 + 2 * RECORD, earlierLap);
        assertThat(sequences(IntakeJournal.open(this.directory.resolve("other"), SMALL))).containsExactly(0L, 1L);
    }

    @Test
    void aFileThatIsNotAJournalOfThisSizeStartsAfresh() throws IOException {
        IntakeJournal journal = IntakeJournal.open(file(), SMALL);
        assertThat(append(journal, messages(0, 2), 0)).isTrue();
        assertThat(IntakeJournal.open(file(), 2 * SMALL).entries()).isEmpty();
        assertThat(file()).hasSize(64 + 2 * SMALL);
    }

    private void overwrite(long position, byte value) throws IOException {
        try (FileChannel channel = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] { value }), position);
        }
    }

    private static void overwriteLong(Path file, long position, long value) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, value), position);
        }
    }
}

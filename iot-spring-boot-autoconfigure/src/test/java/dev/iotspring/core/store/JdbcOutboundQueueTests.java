package dev.iotspring.core.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.zaxxer.hikari.HikariDataSource;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OverflowPolicy;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueueFullException;
import dev.iotspring.core.queue.QueuedMessage;
import dev.iotspring.core.queue.QueueScenarios;
import dev.iotspring.core.queue.QueueScenarios.OverflowRun;

import static dev.iotspring.core.queue.QueueScenarios.ids;
import static dev.iotspring.core.queue.QueueScenarios.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class JdbcOutboundQueueTests {

    @TempDir
    Path directory;

    private IotStores stores;

    @BeforeEach
    void open() {
        this.stores = stores();
    }

    @AfterEach
    void close() {
        this.stores.close();
    }

    private IotStores stores() {
        // NORMAL keeps the test fast; offers then return once in the intake journal, and poll commits them.
        return new IotStores(this.directory, SynchronousMode.NORMAL, Duration.ofSeconds(5));
    }

    /** Offers commit before they return: what the group commit itself does. */
    private IotStores fullStores() {
        return new IotStores(this.directory, SynchronousMode.FULL, Duration.ofSeconds(5));
    }

    @Test
    void messagesComeOutInOrderAndLeaveOnlyOnAck() {
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events");
        OutboundMessage withEverything = new OutboundMessage("m-0", "a/b", new byte[] { 0, 1, (byte) 255 }, 2, true,
                Instant.parse("2026-11-22T00:00:00.123456789Z"), Map.of("content-type", "application/json",
                        "odd key&=", "välue=&%"));
        queue.offer(withEverything);
        queue.offerAll(List.of(message(1), message(2)));
        assertThat(queue.size()).isEqualTo(3);
        List<QueuedMessage> taken = queue.poll(2);
        assertThat(taken.get(0).message()).isEqualTo(withEverything);
        assertThat(ids(taken)).isEqualTo("m-0,1");
        assertThat(queue.size()).isEqualTo(3);
        assertThat(ids(queue.poll(5))).isEqualTo("2");
        assertThat(queue.poll(5)).isEmpty();
        queue.ack(taken);
        assertThat(queue.size()).isEqualTo(1);
        assertThat(queue.poll(5)).isEmpty();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(rowsInTable())
            .as("the queue's own thread committed the deletes").isEqualTo(1));
        assertThat(queue.pendingDeletes()).isZero();
    }

    @Test
    void aRestartAfterACleanCloseSendsNothingAcknowledgedAgain() {
        // FULL: no intake journal, whose background commits would carry deletes along at times of their own.
        this.stores.close();
        this.stores = fullStores();
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events");
        queue.ackFlushDelay(Duration.ofHours(1)); // deferred deletes, which only close commits
        queue.offerAll(IntStream.range(0, 20).mapToObj(QueueScenarios::message).toList());
        for (int i = 0; i < 15; i++) {
            queue.ack(queue.poll(1));
        }
        queue.poll(2); // 15, 16 in flight
        assertThat(rowsInTable()).as("acknowledged rows not deleted yet").isEqualTo(20);
        this.stores.close();

        this.stores = stores();
        JdbcOutboundQueue reopened = this.stores.open("test").outboundQueue("events");
        assertThat(ids(reopened.poll(100))).isEqualTo("15,16,17,18,19");
    }

    @Test
    void aRestartAfterACrashDeletesTheAcknowledgedRowsItsJournalNamesAndSendsOnlyTheWindowInFlightAgain() {
        // FULL: no intake journal, whose background commits would carry deletes along at times of their own.
        this.stores.close();
        this.stores = fullStores();
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events");
        queue.ackFlushDelay(Duration.ofHours(1)); // deletes committed only when the bound is reached
        int acked = JdbcOutboundQueue.ACK_PENDING_MAX + 500;
        int total = acked + 10;
        queue.offerAll(IntStream.range(0, total).mapToObj(QueueScenarios::message).toList());
        for (int i = 0; i < acked; i++) {
            queue.ack(queue.poll(1)); // one in flight, as Spotflow sends
        }
        queue.poll(3); // in flight, never acknowledged
        assertThat(queue.pendingDeletes()).isEqualTo(500);
        queue.closeWithoutCommittingAcknowledged(); // as a crash leaves the file and the journal
        this.stores.close();
        assertThat(rowsInTable(this.directory.resolve("test.db")))
            .as("500 acknowledged rows were never deleted, besides the 10 never acknowledged").isEqualTo(510);

        this.stores = stores();
        JdbcOutboundQueue reopened = this.stores.open("test").outboundQueue("events");
        assertThat(reopened.size()).isEqualTo(10);
        assertThat(ids(reopened.poll(total))).isEqualTo(
                String.join(",", IntStream.range(acked, total).mapToObj(Integer::toString).toList()));
        assertThat(rowsInTable()).isEqualTo(10);
    }

    @Test
    void anAcknowledgementTheJournalHasNoRoomForCommitsItsDeleteBeforeItReturns() {
        IotStore store = this.stores.open("test");
        store.migrate(JdbcOutboundQueue.COMPONENT, JdbcOutboundQueue.MIGRATIONS);
        AcknowledgementJournal small = AcknowledgementJournal.open(
                AcknowledgementJournal.fileOf(this.directory.resolve("test.db"), "events"), 4);
        JdbcOutboundQueue queue = new JdbcOutboundQueue(store.jdbcTemplate(), store.transactionTemplate(),
                store.dialect(), "", "events", new OverflowPolicy(0, OverflowStrategy.RAISE_EXCEPTION), () -> { },
                true, small, null, false);
        queue.ackFlushDelay(Duration.ofHours(1));
        queue.offerAll(IntStream.range(0, 8).mapToObj(QueueScenarios::message).toList());
        for (int i = 0; i < 4; i++) {
            queue.ack(queue.poll(1));
        }
        assertThat(rowsInTable()).as("four acknowledgements in the journal, their deletes deferred").isEqualTo(8);
        queue.ack(queue.poll(1)); // the fifth finds the journal full
        assertThat(rowsInTable()).as("committed before ack returned").isEqualTo(3);
        queue.ack(queue.poll(1)); // room again: deferred
        queue.poll(1);
        assertThat(rowsInTable()).isEqualTo(3);
        queue.closeWithoutCommittingAcknowledged();

        JdbcOutboundQueue reopened = new JdbcOutboundQueue(store.jdbcTemplate(), store.transactionTemplate(),
                store.dialect(), "", "events", new OverflowPolicy(0, OverflowStrategy.RAISE_EXCEPTION), () -> { },
                true, AcknowledgementJournal.open(small.file(), 4), null, false);
        assertThat(ids(reopened.poll(10))).as("only the one in flight and the one never sent").isEqualTo("6,7");
    }

    @Test
    void offersAKilledProcessLeftInTheIntakeJournalAreInsertedAtTheNextOpenInOrderAndOnce() {
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events");
        queue.offerAll(IntStream.range(0, 3).mapToObj(QueueScenarios::message).toList());
        assertThat(queue.size()).as("counted as soon as the offer returned").isEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> rowsInTable() == 3); // the queue's own thread
        queue.closeWithoutCommittingAcknowledged();
        this.stores.close();
        // What a process killed right after its offers returned leaves: 3 to 5 only in the journal, and 2 still
        // there too (killed between its commit and the release of its record).
        IntakeJournal left = IntakeJournal.open(IntakeJournal.fileOf(this.directory.resolve("test.db"), "events"));
        left.append(left.encode(IntStream.range(2, 6).mapToObj(QueueScenarios::message).toList()), 2);

        this.stores = stores();
        JdbcOutboundQueue reopened = this.stores.open("test").outboundQueue("events");
        assertThat(rowsInTable()).as("inserted at open, before anything is sent").isEqualTo(6);
        assertThat(reopened.size()).isEqualTo(6);
        assertThat(ids(reopened.poll(10))).isEqualTo("0,1,2,3,4,5");
    }

    @Test
    void whileBackgroundCommitsFailTheNextOfferFailsLoudlyAndTheJournaledOffersGoOutOnceTheCauseIsGone() {
        IotStore store = this.stores.open("test");
        JdbcOutboundQueue queue = store.outboundQueue("events");
        // Another writer took sequence 1: the commit of the journaled offers 0 and 1 (one offer, so one commit) fails.
        store.jdbcTemplate().update("INSERT INTO outbox (queue_name, seq, message_id, destination, payload, qos, "
                + "retain_flag, created_at) VALUES ('events', 1, 'intruder', 'topic', X'00', 0, 0, 0)");
        queue.offerAll(List.of(message(0), message(1)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatIllegalStateException()
            .isThrownBy(() -> queue.offer(message(2)))
            .withMessageContaining("another process writes the same queue name"));
        assertThat(queue.size()).as("the accepted offers are still queued, the refused one is not").isEqualTo(2);
        assertThat(ids(queue.poll(10))).as("queued, so handed out while their insert waits").isEqualTo("0,1");
        assertThat(rowsInTable()).as("only the intruder").isEqualTo(1);

        store.jdbcTemplate().update("DELETE FROM outbox WHERE message_id = 'intruder'");
        await().atMost(Duration.ofSeconds(10)).until(() -> rowsInTable() == 2); // the queue's thread tried again
        queue.offer(message(3));
        assertThat(ids(queue.poll(10))).isEqualTo("3");
    }

    @Test
    void journaledOffersNeverOvertakeOffersThatTookTheGroupCommitBecauseTheyAreTooLargeForTheJournal()
            throws Exception {
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events");
        int producers = 4;
        int perProducer = 60;
        ExecutorService pool = Executors.newFixedThreadPool(producers);
        List<Future<?>> done = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            done.add(pool.submit(() -> {
                for (int i = 0; i < perProducer; i++) {
                    // Every fifth is larger than a quarter of the journal: committed before its offer returns.
                    byte[] payload = new byte[(i % 5 == 0) ? IntakeJournal.CAPACITY / 4 + 1 : 10];
                    queue.offer(OutboundMessage.of(producer + "-" + i, "t", payload));
                }
            }));
        }
        List<QueuedMessage> handedOut = new ArrayList<>();
        while (handedOut.size() < producers * perProducer) {
            List<QueuedMessage> taken = queue.poll(7);
            handedOut.addAll(taken);
            queue.ack(taken);
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        assertThat(handedOut).extracting(QueuedMessage::sequence).as("handed out in sequence order").isSorted();
        for (int p = 0; p < producers; p++) {
            String prefix = p + "-";
            assertThat(handedOut.stream().map(q -> q.message().id()).filter(id -> id.startsWith(prefix)))
                .containsExactlyElementsOf(IntStream.range(0, perProducer).mapToObj(i -> prefix + i).toList());
        }
    }

    @Test
    void aQueueLongerThanItsReadAheadHandsOutEveryMessageInOrderWhileAProducerKeepsOffering() throws Exception {
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events");
        int backlog = JdbcOutboundQueue.READ_AHEAD_MAX + 500; // beyond the read-ahead: read back from disk
        queue.offerAll(IntStream.range(0, backlog).mapToObj(QueueScenarios::message).toList());
        java.util.concurrent.atomic.AtomicBoolean producing = new java.util.concurrent.atomic.AtomicBoolean(true);
        ExecutorService producer = Executors.newSingleThreadExecutor();
        Future<?> offers = producer.submit(() -> {
            for (int i = backlog; producing.get(); i++) {
                queue.offer(message(i)); // always one journaled offer whose insert has not committed
            }
        });
        try {
            List<QueuedMessage> read = new ArrayList<>();
            java.util.concurrent.CompletableFuture.runAsync(() -> {
                while (read.size() < backlog + 1000) {
                    List<QueuedMessage> taken = queue.poll(100);
                    read.addAll(taken);
                    queue.ack(taken);
                }
            }).get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(read).extracting(q -> q.message().id()).startsWith(
                    IntStream.range(0, backlog + 1000).mapToObj(Integer::toString).toArray(String[]::new));
        }
        finally {
            producing.set(false);
            offers.get();
            producer.shutdown();
        }
    }

    @Test
    void offersOfTheIntakeJournalAreHandedOutAtOnceAndAcknowledgedOnesDoNotComeBackAfterACrash() {
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events");
        queue.ackFlushDelay(Duration.ofHours(1)); // deletes only in commits that insert
        for (int i = 0; i < 50; i++) {
            queue.offer(message(i));
            // Whether or not its insert committed yet: an acknowledged row is inserted and deleted in one commit.
            queue.ack(queue.poll(1));
        }
        queue.offerAll(IntStream.range(50, 53).mapToObj(QueueScenarios::message).toList());
        queue.poll(1); // 50 in flight
        queue.closeWithoutCommittingAcknowledged();
        this.stores.close();

        this.stores = stores();
        assertThat(ids(this.stores.open("test").outboundQueue("events").poll(100))).isEqualTo("50,51,52");
    }

    @Test
    void journalsLeftBesideADeletedDatabaseAreDeletedBeforeItIsCreatedAgain() throws Exception {
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events");
        queue.offerAll(IntStream.range(0, 3).mapToObj(QueueScenarios::message).toList());
        queue.closeWithoutCommittingAcknowledged();
        this.stores.close();
        Path intake = IntakeJournal.fileOf(this.directory.resolve("test.db"), "events");
        IntakeJournal left = IntakeJournal.open(intake);
        left.append(left.encode(List.of(message(7))), 3);
        for (String suffix : List.of("", "-wal", "-shm")) {
            Files.deleteIfExists(this.directory.resolve("test.db" + suffix)); // starting over
        }

        this.stores = stores();
        assertThat(this.stores.open("test").outboundQueue("events").poll(10)).isEmpty();
    }

    @Test
    void aStoreUnderFullInsertsWhatARunUnderNormalLeftInTheIntakeJournalAndDeletesIt() {
        this.stores.close();
        Path intake = IntakeJournal.fileOf(this.directory.resolve("test.db"), "events");
        this.stores = stores();
        this.stores.open("test").outboundQueue("events").closeWithoutCommittingAcknowledged();
        this.stores.close();
        IntakeJournal left = IntakeJournal.open(intake);
        left.append(left.encode(IntStream.range(0, 2).mapToObj(QueueScenarios::message).toList()), 0);

        this.stores = fullStores();
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events");
        assertThat(intake).doesNotExist();
        queue.offer(message(2));
        assertThat(ids(queue.poll(10))).isEqualTo("0,1,2");
    }

    @Test
    void aJournalLeftBesideAnotherDatabaseDeletesNoneOfItsRows() throws Exception {
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events");
        queue.ackFlushDelay(Duration.ofHours(1));
        queue.offerAll(IntStream.range(0, 5).mapToObj(QueueScenarios::message).toList());
        queue.ack(queue.poll(3));
        queue.closeWithoutCommittingAcknowledged(); // the journal names sequences 0 to 2
        this.stores.close();
        // Another directory's file, with the same ids at the same sequences, moved in beside that journal.
        Path other = this.directory.resolve("other");
        IotStores otherStores = new IotStores(other, SynchronousMode.NORMAL, Duration.ofSeconds(5));
        otherStores.open("test").outboundQueue("events")
            .offerAll(IntStream.range(0, 5).mapToObj(QueueScenarios::message).toList());
        otherStores.close();
        for (String suffix : List.of("", "-wal", "-shm")) {
            Files.deleteIfExists(this.directory.resolve("test.db" + suffix));
            if (Files.exists(other.resolve("test.db" + suffix))) {
                Files.copy(other.resolve("test.db" + suffix), this.directory.resolve("test.db" + suffix));
            }
        }
        assertThat(this.directory.resolve("test.db-acks-events")).exists();

        this.stores = stores();
        assertThat(ids(this.stores.open("test").outboundQueue("events").poll(10)))
            .as("only the creation times tell these rows from those the journal names").isEqualTo("0,1,2,3,4");
    }

    @Test
    void withoutAJournalARestartAfterACrashSendsAtMostTheBoundOfDeferredDeletesAgainInOrder() {
        // A store on an application's DataSource has no journal: deferred deletes bound what a crash repeats.
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl("jdbc:sqlite:" + this.directory.resolve("application.db"));
        dataSource.setMaximumPoolSize(1);
        try (dataSource) {
            IotStore store = IotStore.of(dataSource, "iot_");
            store.setDeferredDeletes(true);
            JdbcOutboundQueue queue = store.outboundQueue("events");
            int acked = JdbcOutboundQueue.ACK_PENDING_MAX + 500;
            int total = acked + 10;
            queue.offerAll(IntStream.range(0, total).mapToObj(QueueScenarios::message).toList());
            queue.ackFlushDelay(Duration.ofHours(1));
            for (int i = 0; i < acked; i++) {
                queue.ack(queue.poll(1));
            }
            queue.poll(3);
            assertThat(queue.pendingDeletes()).isEqualTo(500);
            queue.closeWithoutCommittingAcknowledged();

            List<QueuedMessage> all = store.outboundQueue("events").poll(total);
            assertThat(all).as("sent again: the acknowledged rows not deleted, then the in-flight and queued ones")
                .extracting(q -> q.message().id())
                .containsExactlyElementsOf(IntStream.range(JdbcOutboundQueue.ACK_PENDING_MAX, total)
                    .mapToObj(Integer::toString).toList());
            assertThat(this.directory.resolve("application.db-acks-events")).doesNotExist();
        }
    }

    @Test
    void aFileOfSchemaVersionOneKeepsItsQueueInOrderWhenItsTableIsRebuiltWithoutRowid() {
        IotStore store = this.stores.open("test");
        store.migrate(JdbcOutboundQueue.COMPONENT, JdbcOutboundQueue.MIGRATIONS.subList(0, 1));
        for (int i = 0; i < 3; i++) {
            store.jdbcClient().sql("INSERT INTO outbox (queue_name, seq, message_id, destination, payload, qos, "
                    + "retain_flag, created_at, headers) VALUES ('events', ?, ?, 'a/b', ?, 1, 0, 0, NULL)")
                .params(10 + i, "old-" + i, new byte[] { (byte) i })
                .update();
        }
        JdbcOutboundQueue queue = store.outboundQueue("events");
        assertThat(queue.size()).isEqualTo(3);
        assertThat(ids(queue.poll(5))).isEqualTo("old-0,old-1,old-2");
        queue.offer(message(3));
        assertThat(ids(queue.poll(5))).as("new sequences follow the old ones").isEqualTo("3");
        assertThat(store.jdbcClient().sql("SELECT sql FROM sqlite_master WHERE name = 'outbox'").query(String.class)
            .single()).containsIgnoringCase("WITHOUT ROWID");
    }

    @Test
    void underSynchronousFullAnAcknowledgementsCommitLeavesTheConnectionSyncingEveryOtherCommit() {
        this.stores.close();
        this.stores = new IotStores(this.directory, SynchronousMode.FULL, Duration.ofSeconds(5));
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events");
        queue.ackFlushDelay(Duration.ofNanos(-1)); // each ack commits before it returns: no race with the flusher
        queue.offerAll(IntStream.range(0, 3).mapToObj(QueueScenarios::message).toList());
        // An acknowledgement alone commits without a sync (SQLite's synchronous=NORMAL for that commit) ...
        queue.ack(queue.poll(1));
        assertThat(rowsInTable()).isEqualTo(2);
        // ... and the store's own level is back for every other write on the connection.
        assertThat(this.stores.open("test").jdbcClient().sql("PRAGMA synchronous").query(Integer.class).single())
            .isEqualTo(2);
        queue.ack(queue.poll(2));
        assertThat(rowsInTable()).isZero();
        assertThat(this.stores.open("test").jdbcClient().sql("PRAGMA synchronous").query(Integer.class).single())
            .isEqualTo(2);
    }

    private int rowsInTable() {
        return this.stores.open("test").jdbcClient().sql("SELECT COUNT(*) FROM outbox").query(Integer.class)
                .single();
    }

    /** Read with a connection of its own, the stores closed. */
    private static int rowsInTable(Path file) {
        try (HikariDataSource dataSource = new HikariDataSource()) {
            dataSource.setJdbcUrl("jdbc:sqlite:" + file);
            return JdbcClient.create(dataSource).sql("SELECT COUNT(*) FROM outbox").query(Integer.class).single();
        }
    }

    @Test
    void requeuedMessagesGoBackToTheirPlaceBeforeNewerOnes() {
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events");
        queue.offerAll(IntStream.range(0, 6).mapToObj(QueueScenarios::message).toList());
        List<QueuedMessage> taken = queue.poll(4); // 0..3
        queue.ack(taken.subList(0, 1));
        queue.offer(message(6));
        queue.requeue(taken.subList(1, 4));
        assertThat(queue.size()).isEqualTo(6);
        assertThat(ids(queue.poll(2))).isEqualTo("1,2");
        assertThat(ids(queue.poll(10))).isEqualTo("3,4,5,6");
    }

    @Test
    void contentSurvivesCloseAndReopenAndInFlightRowsComeBackAtTheirPlace() {
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events");
        queue.offerAll(IntStream.range(0, 10).mapToObj(QueueScenarios::message).toList());
        List<QueuedMessage> first = queue.poll(3); // 0,1,2
        queue.ack(first.subList(0, 1)); // 0 acknowledged
        queue.poll(3); // 3,4,5 in flight, never acknowledged: "crash"
        this.stores.close();

        this.stores = stores();
        JdbcOutboundQueue reopened = this.stores.open("test").outboundQueue("events");
        assertThat(reopened.size()).isEqualTo(9);
        List<QueuedMessage> all = reopened.poll(100);
        assertThat(ids(all)).isEqualTo("1,2,3,4,5,6,7,8,9");
        reopened.offer(message(10));
        assertThat(ids(reopened.poll(100))).isEqualTo("10");
        assertThat(all).extracting(QueuedMessage::sequence).isSorted();
    }

    @Test
    void queuesWithDifferentNamesShareTheFileButNotTheirMessages() {
        IotStore store = this.stores.open("test");
        JdbcOutboundQueue a = store.outboundQueue("a");
        JdbcOutboundQueue b = store.outboundQueue("b");
        a.offer(message(1));
        b.offer(message(2));
        assertThat(ids(a.poll(10))).isEqualTo("1");
        assertThat(ids(b.poll(10))).isEqualTo("2");
        assertThatIllegalStateException().isThrownBy(() -> store.outboundQueue("a"))
                .withMessageContaining("already open");
        a.close();
        assertThat(store.outboundQueue("a").size()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = { "DROP_OLDEST; 3,4; 7,8,9", "DROP_NEWEST; 0,1; 2,6,7" })
    void fifoReferenceOverflowScenarios(OverflowStrategy overflow, String taken, String rest) {
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events", 3, overflow);
        OverflowRun run = QueueScenarios.referenceOverflow(queue, 100);
        assertThat(ids(run.first())).isEqualTo(taken);
        assertThat(ids(run.remaining())).isEqualTo(rest);
        assertThat(queue.droppedCount()).isEqualTo(5);
        assertThat(run.droppedIds()).hasSize(5);
        assertThat(queue.size()).isEqualTo(5);
    }

    @Test
    void dropOldestInOneBatchDropsFromTheBatchItself() {
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events", 2, OverflowStrategy.DROP_OLDEST);
        queue.offerAll(IntStream.range(0, 5).mapToObj(QueueScenarios::message).toList());
        assertThat(ids(queue.poll(10))).isEqualTo("3,4");
        assertThat(queue.droppedCount()).isEqualTo(3);
    }

    @Test
    void dropOldestPrefersARequeuedMessage() {
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events", 2, OverflowStrategy.DROP_OLDEST);
        queue.offerAll(List.of(message(0), message(1)));
        queue.requeue(queue.poll(1)); // 0 back at its place
        queue.offer(message(2)); // drops 0, the oldest queued
        assertThat(ids(queue.poll(10))).isEqualTo("1,2");
    }

    @Test
    void raiseExceptionLeavesTheQueueAsItWas() {
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events", 2,
                OverflowStrategy.RAISE_EXCEPTION);
        queue.offer(message(0));
        queue.offer(message(1));
        assertThatThrownBy(() -> queue.offer(message(2))).isInstanceOfSatisfying(QueueFullException.class, ex -> {
            assertThat(ex.getQueueSize()).isEqualTo(2);
            assertThat(ex.getDroppedCount()).isZero();
            assertThat(ex.getMessageId()).isEqualTo("2");
        });
        assertThat(queue.size()).isEqualTo(2);
        assertThat(ids(queue.poll(10))).isEqualTo("0,1");
    }

    @Test
    void concurrentProducersShareTransactionsAndKeepTheirOwnOrder() throws Exception {
        IotStores durable = new IotStores(this.directory, SynchronousMode.FULL, Duration.ofSeconds(5));
        try {
            concurrentProducers(durable.open("full").outboundQueue("events"));
        }
        finally {
            durable.close();
        }
    }

    private void concurrentProducers(JdbcOutboundQueue queue) throws Exception {
        int producers = 8;
        int perProducer = 200;
        ExecutorService pool = Executors.newFixedThreadPool(producers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            done.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < perProducer; i++) {
                    queue.offer(OutboundMessage.of(producer + "-" + i, "t", new byte[10]));
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        assertThat(queue.size()).isEqualTo(producers * perProducer);
        assertThat(queue.offerTransactions()).as("group commit").isLessThan(producers * perProducer);
        List<QueuedMessage> all = queue.poll(Integer.MAX_VALUE);
        assertThat(all).hasSize(producers * perProducer);
        for (int p = 0; p < producers; p++) {
            String prefix = p + "-";
            List<String> own = all.stream().map(q -> q.message().id()).filter(id -> id.startsWith(prefix)).toList();
            assertThat(own).containsExactlyElementsOf(
                    IntStream.range(0, perProducer).mapToObj(i -> prefix + i).toList());
        }
    }

    @Test
    void aSecondWriterOfTheSameFileAndQueueNameIsToldSo() {
        this.stores.close();
        this.stores = fullStores();
        JdbcOutboundQueue first = this.stores.open("test").outboundQueue("events");
        try (IotStores other = fullStores()) {
            JdbcOutboundQueue second = other.open("test").outboundQueue("events");
            first.offer(message(0));
            assertThatIllegalStateException().isThrownBy(() -> second.offer(message(1)))
                    .withMessageContaining("another process writes the same queue name");
        }
        assertThat(ids(first.poll(10))).isEqualTo("0");
    }

    @Test
    void aGroupCommitThatFailsHalfWayLeavesNoneOfItsMessagesAndTheNextOfferCommits() {
        this.stores.close();
        this.stores = fullStores();
        IotStore store = this.stores.open("test");
        JdbcOutboundQueue queue = store.outboundQueue("events");
        // Another writer took sequence 1: the batch (sequences 0, 1, 2) fails on its second row.
        store.jdbcTemplate().update("INSERT INTO outbox (queue_name, seq, message_id, destination, payload, qos, "
                + "retain_flag, created_at) VALUES ('events', 1, 'intruder', 'topic', X'00', 0, 0, 0)");
        assertThatIllegalStateException().isThrownBy(() -> queue.offerAll(List.of(message(0), message(1), message(2))))
                .withMessageContaining("another process writes the same queue name");
        assertThat(queue.size()).isZero();
        try (IotStores other = stores()) {
            // A separate connection sees only committed rows: the batch's first row was rolled back.
            assertThat(committedIds(other)).containsExactly("intruder");
            // The connection went back to the pool in autocommit: this offer is committed on its own.
            queue.offer(message(9));
            assertThat(committedIds(other)).containsExactly("9", "intruder");
        }
    }

    @Test
    void offersKeepWorkingWhenThePoolReplacesItsConnection() {
        IotStore store = this.stores.open("test");
        JdbcOutboundQueue queue = store.outboundQueue("events");
        queue.offer(message(0));
        queue.offerAll(List.of(message(1), message(2)));
        ((com.zaxxer.hikari.HikariDataSource) store.getDataSource()).getHikariPoolMXBean().softEvictConnections();
        queue.offer(message(3));
        queue.offerAll(List.of(message(4), message(5)));
        assertThat(ids(queue.poll(10))).isEqualTo("0,1,2,3,4,5");
    }

    private static List<String> committedIds(IotStores other) {
        return other.open("test").jdbcTemplate().queryForList(
                "SELECT message_id FROM outbox WHERE queue_name = 'events' ORDER BY seq", String.class);
    }

    @Test
    void closedQueueRefusesWork() {
        JdbcOutboundQueue queue = this.stores.open("test").outboundQueue("events");
        queue.close();
        assertThatIllegalStateException().isThrownBy(() -> queue.offer(message(0))).withMessageContaining("closed");
    }
}

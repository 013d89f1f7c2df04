package dev.iotspring.core.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.Function;
import org.sqlite.SQLiteConnection;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.QueuedMessage;

import static dev.iotspring.core.queue.QueueScenarios.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Group commit on a real SQLite file. A trigger on the outbox calls a Java function that holds the transaction
 * writing the row {@code held} until the test lets it go, so the test knows which callers wait for the next
 * commit; another trigger aborts any transaction inserting a row whose id starts with {@code poison}. A second
 * pool on the same file sees only committed rows.
 */
class GroupCommitTests {

    @TempDir
    Path directory;

    private IotStores stores;

    private IotStores observer;

    private JdbcOutboundQueue queue;

    private final CountDownLatch holding = new CountDownLatch(1);

    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void open() throws SQLException {
        // FULL: every offer takes the group commit (under NORMAL it returns once in the intake journal).
        this.stores = new IotStores(this.directory, SynchronousMode.FULL, Duration.ofSeconds(5));
        this.observer = new IotStores(this.directory, SynchronousMode.NORMAL, Duration.ofSeconds(5));
        IotStore store = this.stores.open("gc");
        this.queue = store.outboundQueue("events");
        // Open before any commit it watches: a second user of the file waits for the first's transaction to end.
        this.observer.open("gc");
        try (Connection pooled = store.getDataSource().getConnection()) {
            Function.create(pooled.unwrap(SQLiteConnection.class), "gate", new Function() {
                @Override
                protected void xFunc() throws SQLException {
                    if ("held".equals(value_text(0))) {
                        GroupCommitTests.this.holding.countDown();
                        try {
                            GroupCommitTests.this.release.await(30, TimeUnit.SECONDS);
                        }
                        catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    result(0);
                }
            });
        }
        store.jdbcTemplate().execute("CREATE TRIGGER outbox_gate BEFORE INSERT ON outbox BEGIN "
                + "SELECT gate(NEW.message_id); "
                + "SELECT RAISE(ABORT, 'poisoned row') WHERE NEW.message_id LIKE 'poison%'; END");
    }

    @AfterEach
    void close() {
        this.release.countDown();
        this.observer.close();
        this.stores.close();
    }

    @Test
    void everyCallerWaitingDuringACommitSharesTheNextOneAndReturnsOnlyOnceItsRowIsCommitted() throws Exception {
        CompletableFuture<Boolean> held = offerAsync("held");
        assertThat(this.holding.await(30, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<Boolean>> waiting = new ArrayList<>();
        for (String id : List.of("b", "c", "d")) {
            waiting.add(offerAsync(id));
            int expected = waiting.size();
            // One at a time, so the order they queued in is known.
            await().atMost(Duration.ofSeconds(30)).until(() -> this.queue.waitingRequests() == expected);
        }
        assertThat(committedIds()).isEmpty();
        assertThat(held).isNotDone();
        assertThat(waiting).noneMatch(CompletableFuture::isDone);

        this.release.countDown();
        assertThat(held.get(30, TimeUnit.SECONDS)).as("held saw its row committed when it returned").isTrue();
        for (CompletableFuture<Boolean> w : waiting) {
            assertThat(w.get(30, TimeUnit.SECONDS)).as("a waiting caller saw its row committed").isTrue();
        }
        assertThat(this.queue.offerTransactions()).as("held alone, then b, c, d together").isEqualTo(2);
        assertThat(ids(this.queue.poll(10))).isEqualTo("held,b,c,d");
    }

    @Test
    void aFailingCommitFailsExactlyTheCallersOfItsBatch() throws Exception {
        CompletableFuture<Boolean> held = offerAsync("held");
        assertThat(this.holding.await(30, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<Boolean>> batch = new ArrayList<>();
        for (String id : List.of("b", "poison", "d")) {
            batch.add(offerAsync(id));
            int expected = batch.size();
            await().atMost(Duration.ofSeconds(30)).until(() -> this.queue.waitingRequests() == expected);
        }
        this.release.countDown();

        assertThat(held.get(30, TimeUnit.SECONDS)).isTrue();
        for (CompletableFuture<Boolean> f : batch) {
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .rootCause().hasMessageContaining("poisoned row");
        }
        this.queue.offer(message("e"));
        assertThat(committedIds()).containsExactly("held", "e");
        assertThat(this.queue.size()).isEqualTo(2);
        assertThat(ids(this.queue.poll(10))).isEqualTo("held,e");
    }

    /**
     * The caller of a commit that offers again joins the next one: its leader waits for the group the last commit
     * had. Without that wait "a" would commit alone right after "held", and "held again" after it.
     */
    @Test
    void theNextLeaderWaitsForTheCallersTheLastCommitWokeSoThatTheyShareACommit() throws Exception {
        // No limit a slow machine could hit: the group completes the wait.
        this.queue.gatherLimits(1_000_000, Duration.ofSeconds(30));
        CompletableFuture<Boolean> a = commitHeldWhileAWaits();

        // "a" leads the next commit and waits for two offers: its own and one from the caller "held" woke.
        await().atMost(Duration.ofSeconds(30)).until(() -> this.queue.gathers() == 1);
        assertThat(a).isNotDone();
        assertThat(committedIds()).containsExactly("held");
        CompletableFuture<Boolean> again = offerAsync("held again");
        assertThat(a.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(again.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(this.queue.offerTransactions()).as("held, then a and held again together").isEqualTo(2);
        assertThat(ids(this.queue.poll(10))).isEqualTo("held,a,held again");
    }

    @Test
    void aLeaderWhoseGroupDoesNotComeCommitsWhatItHasWhenItsLimitPasses() throws Exception {
        this.queue.gatherLimits(1_000_000, Duration.ofMillis(200));
        CompletableFuture<Boolean> a = commitHeldWhileAWaits();

        assertThat(a.get(30, TimeUnit.SECONDS)).as("committed alone once the wait ended").isTrue();
        assertThat(this.queue.gathers()).isEqualTo(1);
        assertThat(this.queue.offerTransactions()).isEqualTo(2);
    }

    /**
     * One producer and the dispatcher acknowledging what it sends (a durable queue's usual traffic): their requests
     * often share a commit, but an acknowledgement is nobody the producer's next commit should wait for.
     */
    @Test
    void aProducerAloneNeverWaitsForAGroupThoughTheDispatchersAcknowledgementsShareItsCommits() throws Exception {
        this.queue.gatherLimits(1_000_000, Duration.ofSeconds(2));
        int total = 300;
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < total; i++) {
                this.queue.offer(message("m" + i));
            }
        });
        List<String> sent = new ArrayList<>();
        while (sent.size() < total) {
            List<QueuedMessage> batch = this.queue.poll(50);
            batch.forEach(q -> sent.add(q.message().id()));
            this.queue.ack(batch);
        }
        producer.get(30, TimeUnit.SECONDS);
        assertThat(sent).containsExactlyElementsOf(IntStream.range(0, total).mapToObj(i -> "m" + i).toList());
        assertThat(this.queue.gathers()).isZero();
    }

    @Test
    void deferredDeletesLetAnAcknowledgementReturnAtOnceAndRideTheNextOffersCommit() {
        this.queue.ackFlushDelay(Duration.ofHours(1)); // deferred deletes, no flusher commit in this test
        this.queue.offerAll(List.of(message("x0"), message("x1")));
        this.queue.ack(this.queue.poll(2));
        assertThat(this.queue.size()).isZero();
        assertThat(committedIds()).as("no transaction of its own").containsExactly("x0", "x1");
        assertThat(this.queue.pendingDeletes()).isEqualTo(2);

        this.queue.offer(message("y"));
        assertThat(committedIds()).containsExactly("y");
        assertThat(this.queue.pendingDeletes()).isZero();
        assertThat(this.queue.offerTransactions()).as("x0+x1, then y with the deletes").isEqualTo(2);
    }

    @Test
    void theDispatcherTakesCommittedRowsAndAcknowledgesWhileAnotherCommitWrites() throws Exception {
        this.queue.deferDeletes(true); // iot.storage.deferred-deletes: an ack does not wait for a commit
        this.queue.offerAll(List.of(message("a"), message("b")));
        List<QueuedMessage> first = this.queue.poll(1);
        CompletableFuture<Boolean> held = offerAsync("held");
        assertThat(this.holding.await(30, TimeUnit.SECONDS)).isTrue();
        // Before, poll and ack waited for the queue's lock, held by this commit until its fsync.
        CompletableFuture<String> dispatcher = CompletableFuture.supplyAsync(() -> {
            this.queue.ack(first);
            return ids(this.queue.poll(10));
        });
        assertThat(dispatcher.get(30, TimeUnit.SECONDS)).isEqualTo("b");
        assertThat(held).isNotDone();
        this.release.countDown();
        assertThat(held.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(ids(this.queue.poll(10))).isEqualTo("held");
        await().atMost(Duration.ofSeconds(30)).until(() -> !committedIds().contains("a"));
    }

    @Test
    void aQueueLongerThanTheReadAheadComesOutInOrderWhileProducersKeepAdding() {
        int total = JdbcOutboundQueue.READ_AHEAD_MAX * 3;
        this.queue.offerAll(IntStream.range(0, total / 2).mapToObj(i -> message("m" + i)).toList());
        List<String> seen = new ArrayList<>();
        int next = total / 2;
        List<QueuedMessage> batch;
        while (!(batch = this.queue.poll(100)).isEmpty()) {
            batch.forEach(q -> seen.add(q.message().id()));
            this.queue.ack(batch);
            for (int i = 0; i < 60 && next < total; i++) {
                this.queue.offer(message("m" + next++));
            }
        }
        assertThat(seen).containsExactlyElementsOf(IntStream.range(0, total).mapToObj(i -> "m" + i).toList());
        assertThat(this.queue.size()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> committedIds().isEmpty());
    }

    /**
     * Commits "held" (one offering caller) while "a" waits; returns once "held" is committed, with "a" about to lead
     * the next commit expecting two offering callers.
     */
    private CompletableFuture<Boolean> commitHeldWhileAWaits() throws Exception {
        CompletableFuture<Boolean> held = offerAsync("held");
        assertThat(this.holding.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Boolean> a = offerAsync("a");
        await().atMost(Duration.ofSeconds(30)).until(() -> this.queue.waitingRequests() == 1);
        this.release.countDown();
        assertThat(held.get(30, TimeUnit.SECONDS)).isTrue();
        return a;
    }

    /** Offers on another thread; completes with whether the row was committed when offer returned. */
    private CompletableFuture<Boolean> offerAsync(String id) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        Thread producer = new Thread(() -> {
            try {
                this.queue.offer(message(id));
                result.complete(committedIds().contains(id));
            }
            catch (Throwable ex) {
                result.completeExceptionally(ex);
            }
        }, "producer-" + id);
        producer.start();
        return result;
    }

    private List<String> committedIds() {
        return this.observer.open("gc").jdbcTemplate().queryForList(
                "SELECT message_id FROM outbox WHERE queue_name = 'events' ORDER BY seq", String.class);
    }

    private static OutboundMessage message(String id) {
        return OutboundMessage.of(id, "topic", new byte[] { 1 });
    }
}

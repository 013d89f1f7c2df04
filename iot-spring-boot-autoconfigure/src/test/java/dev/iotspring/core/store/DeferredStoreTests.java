package dev.iotspring.core.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.OverflowStrategy;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@ExtendWith(OutputCaptureExtension.class)
class DeferredStoreTests {

    @TempDir
    Path directory;

    @Test
    void tablesAndQueuesAreMadeOffTheCallersThreadAndUsableOnceTheStoreIsOpen() throws Exception {
        try (IotStores stores = new IotStores(this.directory, SynchronousMode.NORMAL, Duration.ofSeconds(5))) {
            CompletableFuture<IotStore> opening = new CompletableFuture<>();
            DeferredStore store = DeferredStore.of("test", opening);
            Supplier<String> before = store.lazily((opened) -> Thread.currentThread().getName());
            OutboundQueue queue = store.outboundQueue("messages", 0, OverflowStrategy.RAISE_EXCEPTION);
            assertThat(queue.isDurable()).isTrue();
            AtomicReference<String> whenOpen = new AtomicReference<>();
            store.whenOpen(Runnable::run, () -> whenOpen.set(Thread.currentThread().getName()));
            assertThat(whenOpen).hasNullValue();
            Thread opener = new Thread(() -> opening.complete(stores.open("test")), "the-opener");
            opener.start();
            opener.join();
            // Asked for before the store was open: made on the thread that opened it.
            assertThat(before.get()).isEqualTo("the-opener");
            assertThat(whenOpen).hasValue("the-opener");
            // Asked for after: made on a thread of its own, never on the caller's.
            assertThat(store.lazily((opened) -> Thread.currentThread().getName()).get()).startsWith("iot-open-test")
                .isNotEqualTo(Thread.currentThread().getName());
            queue.offer(new OutboundMessage("m1", "d", new byte[] { 1 }, 1, false, Instant.now()));
            assertThat(queue.size()).isEqualTo(1);
            assertThat(store.keyValueStore("kv").get().getString("missing")).isEmpty();
            assertThat(store.failure()).isNull();
            queue.close();
        }
    }

    @Test
    void aStoreThatCannotBeOpenedIsLoggedOnceAndEveryUseThrowsNamingTheStorageDirectory(CapturedOutput output)
            throws Exception {
        // A directory where the SQLite file should be.
        Files.createDirectories(this.directory.resolve("broken.db"));
        try (IotStores stores = new IotStores(this.directory, SynchronousMode.NORMAL, Duration.ofSeconds(5))) {
            DeferredStore store = DeferredStore.open(stores, "broken");
            Supplier<JdbcKeyValueStore> table = store.keyValueStore("kv");
            OutboundQueue queue = store.outboundQueue("messages", 0, OverflowStrategy.RAISE_EXCEPTION);
            await().atMost(Duration.ofSeconds(30)).until(store::isDone);
            assertThat(store.failure()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("iot.storage.directory")
                .hasMessageContaining("broken.db");
            assertThatThrownBy(store::join).hasMessageContaining("iot.storage.directory");
            AtomicReference<String> whenOpen = new AtomicReference<>();
            store.whenOpen(Runnable::run, () -> whenOpen.set("ran"));
            assertThat(whenOpen).as("never run for a store that cannot be opened").hasNullValue();
            assertThatThrownBy(table::get).hasMessageContaining("iot.storage.directory");
            assertThatThrownBy(() -> queue.offer(new OutboundMessage("m1", "d", new byte[] { 1 }, 1, false,
                    Instant.now()))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("iot.storage.directory");
            // Nothing of it can be reached: the queue reads as empty (health and the drain at shutdown go on).
            assertThat(queue.size()).isZero();
        }
        assertThat(output.getAll().split("Could not open the broken store", -1)).hasSize(2);
        assertThat(output.getAll()).doesNotContain("Could not open a table");
    }

    @Test
    void aStoreClosedBeforeItsTablesOpenedLogsNoErrorAndItsUsesSayItIsClosed(CapturedOutput output) throws Exception {
        // An application whose start failed closes its stores while they may still be opening.
        try (IotStores stores = new IotStores(this.directory, SynchronousMode.NORMAL, Duration.ofSeconds(5))) {
            CompletableFuture<IotStore> opening = new CompletableFuture<>();
            DeferredStore store = DeferredStore.of("closing", opening);
            OutboundQueue queue = store.outboundQueue("messages", 0, OverflowStrategy.RAISE_EXCEPTION);
            Supplier<JdbcKeyValueStore> table = store.keyValueStore("kv");
            IotStore opened = stores.open("closing");
            opened.close();
            opening.complete(opened);
            assertThatThrownBy(table::get).hasMessageContaining("closed");
            assertThatThrownBy(() -> queue.offer(new OutboundMessage("m1", "d", new byte[] { 1 }, 1, false,
                    Instant.now()))).hasMessageContaining("closed");
        }
        assertThat(output.getAll()).doesNotContain("Could not open a table").doesNotContain("ERROR");
    }

    @Test
    void aStoreWhoseApplicationStopsBeforeItOpensLogsNoError(CapturedOutput output) throws Exception {
        IotStores stores = new IotStores(this.directory, SynchronousMode.NORMAL, Duration.ofSeconds(5));
        DeferredStore store;
        // Holding the stores' lock, the opening thread can only get to them once they are closed.
        synchronized (stores) {
            store = DeferredStore.open(stores, "stopping");
            stores.close();
        }
        await().atMost(Duration.ofSeconds(30)).until(store::isDone);
        assertThat(store.failure()).hasMessageContaining("closed");
        assertThat(output.getAll()).doesNotContain("Could not open").doesNotContain("ERROR");
    }
}

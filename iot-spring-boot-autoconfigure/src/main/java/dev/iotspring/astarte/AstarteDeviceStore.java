package dev.iotspring.astarte;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.lifecycle.BackgroundOpening;
import dev.iotspring.core.store.IotStore;
import dev.iotspring.core.store.JdbcKeyValueStore;

/**
 * The device's tables in its {@code astarte} store (credentials, properties, session state), opened beside the
 * application's startup: the store on a thread of its own, the tables then on the device's thread. A use waits for
 * them; a store that could not be opened is a failure every call sees.
 */
final class AstarteDeviceStore {

    private final String deviceId;

    private final CompletableFuture<IotStore> store;

    private final CompletableFuture<Tables> tables;

    AstarteDeviceStore(String deviceId, CompletableFuture<IotStore> store, Executor executor) {
        this.deviceId = deviceId;
        this.store = store;
        this.tables = store.thenApplyAsync(Tables::open, executor);
    }

    /** The device's tables in its store. */
    private record Tables(JdbcKeyValueStore credentials, JdbcKeyValueStore properties, JdbcKeyValueStore session) {

        static Tables open(IotStore store) {
            return new Tables(store.keyValueStore("credentials"), store.keyValueStore("properties"),
                    store.keyValueStore("session"));
        }
    }

    private Tables tables() {
        return BackgroundOpening.join(this.tables);
    }

    JdbcKeyValueStore credentials() {
        return tables().credentials();
    }

    JdbcKeyValueStore properties() {
        return tables().properties();
    }

    JdbcKeyValueStore session() {
        return tables().session();
    }

    /** Completes once the tables are open, normally or not. */
    CompletableFuture<?> opening() {
        return this.tables;
    }

    boolean hasFailed() {
        return this.tables.isCompletedExceptionally();
    }

    /** Throws the store's failure, if it could not be opened: nothing of the device works without it. */
    void require() {
        Throwable failure = failure();
        if (failure != null) {
            throw new IllegalStateException("Astarte device " + this.deviceId + " could not open its store "
                    + "(iot.storage.directory): " + failure.getMessage(), failure);
        }
    }

    /** Why the device's store could not be opened, or null (also while it is opening). */
    @Nullable Throwable failure() {
        Throwable failure = BackgroundOpening.failure(this.store);
        return (failure != null) ? failure : BackgroundOpening.failure(this.tables);
    }
}

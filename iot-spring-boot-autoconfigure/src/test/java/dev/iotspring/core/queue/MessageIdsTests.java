package dev.iotspring.core.queue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MessageIdsTests {

    @Test
    void idsAreVersionFourUuidsInTheirCanonicalLowercaseForm() {
        // Several draws of the pool: the bits are set on every id, not only on the first of a draw.
        for (int i = 0; i < 1_000; i++) {
            String id = MessageIds.next();
            assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
            UUID uuid = UUID.fromString(id);
            assertThat(uuid.version()).isEqualTo(4);
            assertThat(uuid.variant()).isEqualTo(2);
            assertThat(uuid.toString()).isEqualTo(id);
        }
    }

    @Test
    void threadsDrawingAtOnceNeverGetTheSameId() throws Exception {
        int threads = 8;
        int perThread = 20_000;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> drawn = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                drawn.add(executor.submit(() -> {
                    List<String> ids = new ArrayList<>(perThread);
                    for (int i = 0; i < perThread; i++) {
                        ids.add(MessageIds.next());
                    }
                    return ids;
                }));
            }
            Set<String> all = new HashSet<>();
            for (Future<List<String>> ids : drawn) {
                all.addAll(ids.get());
            }
            assertThat(all).hasSize(threads * perThread);
        }
        finally {
            executor.shutdownNow();
        }
    }
}

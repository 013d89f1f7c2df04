package dev.iotspring.stellmap;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.observation.Observation;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import dev.iotspring.core.observation.IotMessageContext;
import dev.iotspring.core.observation.IotObservations;
import dev.iotspring.test.stellmap.StellMapEmulator;

import static dev.iotspring.stellmap.TestRegistries.NAMESPACE;
import static dev.iotspring.stellmap.TestRegistries.SERVICE;
import static dev.iotspring.stellmap.TestRegistries.instance;
import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Each watch event the emulator streams is an inbound-delivery Observation while the subscriber handles it, so
 * the subscriber runs inside it (its trace); without observations the subscriber sees none.
 */
class StellMapWatchObservationTests {

    @Test
    void eachWatchEventIsObservedWhileTheSubscriberHandlesIt() throws Exception {
        TestObservationRegistry observations = TestObservationRegistry.create();
        List<String> seenInside = new CopyOnWriteArrayList<>();
        try (StellMapEmulator stellmap = StellMapEmulator.start();
                StellMapHttpRegistry registry = TestRegistries.registry(stellmap.url())) {
            registry.setObservations(IotObservations.of(observations, "stellmap", null, null));
            Disposable watch = registry.watch(WatchOptions.of(InstanceQuery.of(NAMESPACE, SERVICE)))
                .subscribe((event) -> {
                    Observation current = observations.getCurrentObservation();
                    seenInside.add(event.type() + "@" + ((current != null)
                            ? ((IotMessageContext) current.getContext()).getMessageId() : "none"));
                });
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> seenInside.size() == 1);
                registry.register(instance("cart-1", 8080));
                await().atMost(Duration.ofSeconds(30)).until(() -> seenInside.size() == 2);
                long revision = stellmap.revision();

                assertThat(seenInside.get(0)).startsWith("SNAPSHOT@").doesNotEndWith("none");
                assertThat(seenInside.get(1)).isEqualTo("UPSERT@" + revision);
                assertThat(observations).hasNumberOfObservationsWithNameEqualTo("iot.message.receive", 2)
                    .forAllObservationsWithNameEqualTo("iot.message.receive", (observation) -> observation
                        .hasContextualNameEqualTo("stellmap receive")
                        .hasLowCardinalityKeyValue("iot.platform", "stellmap")
                        .hasLowCardinalityKeyValue("iot.destination.kind", "service")
                        .hasLowCardinalityKeyValue("iot.outcome", "success")
                        .hasHighCardinalityKeyValue("iot.destination", SERVICE));
            }
            finally {
                watch.dispose();
            }
        }
    }
}

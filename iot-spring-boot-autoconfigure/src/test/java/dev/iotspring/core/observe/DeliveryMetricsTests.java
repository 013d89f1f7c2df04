package dev.iotspring.core.observe;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.MessageRejectedException;
import dev.iotspring.core.delivery.MessageSender;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.queue.QueueOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class DeliveryMetricsTests {

    /** Acknowledges everything except ids starting with "bad", which the server rejects. */
    private final MessageSender sender = new MessageSender() {
        @Override
        public CompletableFuture<Void> send(OutboundMessage message) {
            return message.id().startsWith("bad")
                    ? CompletableFuture.failedFuture(new MessageRejectedException("not allowed"))
                    : CompletableFuture.completedFuture(null);
        }

        @Override
        public boolean isReady() {
            return true;
        }
    };

    @Test
    void countsSentFailedDroppedQueueSizeAndLatencyPerPlatform() {
        InMemoryQueue queue = new InMemoryQueue(QueueOrder.FIFO, 2, OverflowStrategy.DROP_NEWEST);
        Dispatcher dispatcher = Dispatcher.builder("stellanow", queue, this.sender).build();
        MeterRegistry registry = new SimpleMeterRegistry();
        new DeliveryMetrics(dispatcher).bindTo(registry);
        // Before start: two fit, the third is dropped by the bound.
        dispatcher.send(old("a", Duration.ofMillis(250)));
        dispatcher.send(old("bad-1", Duration.ZERO));
        dispatcher.send(old("c", Duration.ZERO));
        assertThat(registry.get(IotMetrics.QUEUE_SIZE).tag("platform", "stellanow").gauge().value()).isEqualTo(2);
        dispatcher.start();
        try {
            await().until(() -> queue.size() == 0);
            assertThat(registry.get(IotMetrics.MESSAGES_SENT).tag("platform", "stellanow").functionCounter().count())
                    .isEqualTo(1);
            assertThat(registry.get(IotMetrics.MESSAGES_FAILED).functionCounter().count()).isEqualTo(1);
            assertThat(registry.get(IotMetrics.MESSAGES_DROPPED).functionCounter().count()).isEqualTo(1);
            assertThat(registry.get(IotMetrics.QUEUE_SIZE).gauge().value()).isZero();
            var latency = registry.get(IotMetrics.PUBLISH_LATENCY).tag("platform", "stellanow").timer();
            assertThat(latency.count()).isEqualTo(1);
            assertThat(latency.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(250);

            Map<String, Object> details = IotHealthDetails.delivery(dispatcher.stats());
            assertThat(details).containsEntry("delivery", "running").containsEntry("ready", true)
                    .containsEntry("queueSize", 0).containsEntry("sent", 1L).containsEntry("failed", 1L)
                    .containsEntry("dropped", 1L).containsEntry("durableQueue", false).containsKey("lastAck")
                    .doesNotContainKey("lost");
        }
        finally {
            dispatcher.stop();
        }
    }

    @Test
    void healthDetailsBeforeTheFirstAckHaveNoLastAck() {
        Dispatcher dispatcher = Dispatcher.builder("x", InMemoryQueue.fifo(), this.sender).build();
        assertThat(IotHealthDetails.delivery(dispatcher.stats())).containsEntry("delivery", "new")
                .doesNotContainKey("lastAck");
    }

    private static OutboundMessage old(String id, Duration age) {
        return new OutboundMessage(id, "t", new byte[1], 1, false, Instant.now().minus(age));
    }
}

package dev.iotspring.stellanow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.config.IotValidationException;
import dev.iotspring.core.delivery.DeliveryClosedException;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.MessageDroppedException;
import dev.iotspring.core.event.IotConnectionStateChangedEvent;
import dev.iotspring.core.event.IotEvent;
import dev.iotspring.core.event.IotMessageDroppedEvent;
import dev.iotspring.core.event.IotMessageFailedEvent;
import dev.iotspring.core.queue.QueueFullException;
import dev.iotspring.test.stellanow.StellaNowEmulator;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;

import static dev.iotspring.stellanow.SharedEmulator.clientId;
import static dev.iotspring.stellanow.SharedEmulator.numbered;
import static dev.iotspring.stellanow.SharedEmulator.numbersFrom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The contract every platform keeps (CONVENTIONS.md), for StellaNow over the emulator: caller errors are thrown at
 * once with nothing queued, outcomes fail the future, and connection and delivery changes are the core's Spring
 * application events with platform {@code stellanow}.
 */
class StellaNowContractIntegrationTests {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    final StellaNowEmulator emulator = SharedEmulator.get();

    @BeforeEach
    void reset() {
        SharedEmulator.reset();
    }

    static ApplicationContextRunner runner(String... extra) {
        return SharedEmulator.runner(extra).withBean(EventRecorder.class);
    }

    @Test
    void aFullQueueThrowsQueueFullExceptionAndQueuesNothing() {
        emulator.broker().refuseConnects(true);
        runner("iot.stellanow.queue.max-size=1").run((context) -> {
            StellaNowOperations stellaNow = context.getBean(StellaNowOperations.class);
            CompletableFuture<SendResult> first = stellaNow.send(numbered(0));
            StellaNowMessage second = numbered(1);

            assertThatExceptionOfType(QueueFullException.class).isThrownBy(() -> stellaNow.send(second))
                .satisfies((ex) -> assertThat(ex.getMessageId()).isEqualTo(second.messageId()));

            assertThat(stellaNow.pendingMessages()).isEqualTo(1);
            assertThat(stellaNow.droppedMessages()).isZero();
            emulator.broker().refuseConnects(false);
            assertThat(stellaNow.flush(TIMEOUT)).isTrue();
            assertThat(first).isCompleted();
            assertThat(numbersFrom(clientId(context))).containsExactly(0);
        });
    }

    @Test
    void aSendOnceTheDrainStartedThrowsDeliveryClosedExceptionAndQueuesNothing() throws Exception {
        emulator.broker().withholdAcks();
        List<Throwable> refusals = new CopyOnWriteArrayList<>();
        List<CompletableFuture<SendResult>> accepted = new ArrayList<>();
        String[] clientId = new String[1];
        runner().run((context) -> {
            clientId[0] = clientId(context);
            StellaNowOperations stellaNow = context.getBean(StellaNowOperations.class);
            accepted.add(stellaNow.send(numbered(0)));
            await().atMost(TIMEOUT).until(() -> emulator.broker().heldAckCount() > 0);
            Dispatcher dispatcher = context.getBean("stellaNowDispatcher", Dispatcher.class);
            // While the context closes, the dispatcher drains: try a send then, and only then let the PUBACK go.
            Thread lateSender = new Thread(() -> {
                await().atMost(TIMEOUT).until(() -> dispatcher.getState() == Dispatcher.State.DRAINING);
                try {
                    stellaNow.send(numbered(1));
                }
                catch (RuntimeException ex) {
                    refusals.add(ex);
                }
                emulator.broker().releaseAcks();
            });
            lateSender.start();
        });
        assertThat(refusals).singleElement().isInstanceOf(DeliveryClosedException.class);
        assertThat(accepted.get(0)).isCompleted();
        assertThat(numbersFrom(clientId[0])).containsExactly(0);
    }

    @Test
    void anInvalidEventThrowsAnIllegalArgumentExceptionNamingTheFieldAndQueuesNothing() {
        runner().run((context) -> {
            StellaNowOperations stellaNow = context.getBean(StellaNowOperations.class);
            assertThatExceptionOfType(IotValidationException.class)
                .isThrownBy(() -> StellaNowMessage.builder(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies((ex) -> assertThat(ex.getField()).isEqualTo("eventTypeDefinitionId"))
                .withMessageContaining("eventTypeDefinitionId");
            assertThatExceptionOfType(IotValidationException.class)
                .isThrownBy(() -> StellaNowMessage.builder("counter").entity("device", " "))
                .satisfies((ex) -> assertThat(ex.getField()).isEqualTo("entityId"))
                .withMessageContaining("device");
            StellaNowMessage notAnObject = StellaNowMessage.builder("counter")
                .entity("device", "d-1")
                .rawPayload("[1, 2]")
                .build();
            assertThatExceptionOfType(IotValidationException.class).isThrownBy(() -> stellaNow.send(notAnObject))
                .satisfies((ex) -> assertThat(ex.getField()).isEqualTo("rawPayload"));
            assertThatExceptionOfType(IotValidationException.class).isThrownBy(() -> stellaNow.send(Map.of("n", 1)))
                .satisfies((ex) -> assertThat(ex.getField()).isEqualTo("event"))
                .withMessageContaining("@StellaNowEvent");

            assertThat(stellaNow.pendingMessages()).isZero();
            assertThat(stellaNow.flush(TIMEOUT)).isTrue();
            assertThat(numbersFrom(clientId(context))).isEmpty();
        });
    }

    @Test
    void theBrokerGoingAwayAndComingBackPublishesConnectionStateChangedEvents() {
        runner().run((context) -> {
            EventRecorder recorder = context.getBean(EventRecorder.class);
            StellaNowOperations stellaNow = context.getBean(StellaNowOperations.class);
            await().atMost(TIMEOUT).until(() -> recorder.connectionEvents().size() == 1);
            assertThat(stellaNow.isConnected()).isTrue();

            emulator.broker().stop();
            await().atMost(TIMEOUT).until(() -> recorder.connectionEvents().size() == 2);
            emulator.broker().start();
            await().atMost(TIMEOUT).until(() -> recorder.connectionEvents().size() == 3);

            List<IotConnectionStateChangedEvent> events = recorder.connectionEvents();
            assertThat(events).allSatisfy((e) -> assertThat(e.getPlatform()).isEqualTo("stellanow"));
            assertThat(events).extracting(IotConnectionStateChangedEvent::isConnected).containsExactly(true, false, true);
            IotConnectionStateChangedEvent lost = events.get(1);
            assertThat(lost.isWillRetry()).isTrue();
            assertThat(lost.getCause()).isNotNull();
            assertThat(events.get(0).getCause()).isNull();
            assertThat(stellaNow.send(numbered(1))).succeedsWithin(TIMEOUT);
        });
    }

    @Test
    void anOverflowDropPublishesIotMessageDroppedEventAndFailsTheFuture() {
        emulator.broker().refuseConnects(true);
        runner("iot.stellanow.queue.max-size=1", "iot.stellanow.queue.overflow=drop-oldest").run((context) -> {
            EventRecorder recorder = context.getBean(EventRecorder.class);
            StellaNowOperations stellaNow = context.getBean(StellaNowOperations.class);
            StellaNowMessage oldest = numbered(0);
            CompletableFuture<SendResult> dropped = stellaNow.send(oldest);
            CompletableFuture<SendResult> kept = stellaNow.send(numbered(1));

            assertThat(dropped).failsWithin(TIMEOUT).withThrowableThat().withCauseInstanceOf(MessageDroppedException.class);
            assertThat(recorder.events(IotMessageDroppedEvent.class)).singleElement().satisfies((event) -> {
                assertThat(event.getPlatform()).isEqualTo("stellanow");
                assertThat(event.getMessage().id()).isEqualTo(oldest.messageId());
                assertThat(event.getMessage().destination()).isEqualTo("in/" + emulator.organizationId());
            });
            assertThat(stellaNow.droppedMessages()).isEqualTo(1);
            emulator.broker().refuseConnects(false);
            assertThat(kept).succeedsWithin(TIMEOUT);
            assertThat(numbersFrom(clientId(context))).containsExactly(1);
        });
    }

    @Test
    void eventsAnInMemoryQueueCouldNotSendBeforeShutdownArePublishedAsFailed() {
        emulator.broker().refuseConnects(true);
        List<String> ids = new ArrayList<>();
        EventRecorder[] recorder = new EventRecorder[1];
        runner("iot.shutdown.drain-timeout=200ms").run((context) -> {
            recorder[0] = context.getBean(EventRecorder.class);
            StellaNowOperations stellaNow = context.getBean(StellaNowOperations.class);
            for (int i = 0; i < 3; i++) {
                StellaNowMessage message = numbered(i);
                ids.add(message.messageId());
                stellaNow.send(message);
            }
        });
        List<IotMessageFailedEvent> failed = recorder[0].events(IotMessageFailedEvent.class);
        assertThat(failed).extracting((e) -> e.getMessage().id()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(failed).allSatisfy((e) -> {
            assertThat(e.getPlatform()).isEqualTo("stellanow");
            assertThat(e.getCause()).isInstanceOf(DeliveryClosedException.class);
        });
    }

    /** Records the core's IoT events, as an application's listener would receive them. */
    static class EventRecorder implements ApplicationListener<IotEvent> {

        private final List<IotEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void onApplicationEvent(IotEvent event) {
            this.events.add(event);
        }

        <E extends IotEvent> List<E> events(Class<E> type) {
            return this.events.stream().filter(type::isInstance).map(type::cast).toList();
        }

        List<IotConnectionStateChangedEvent> connectionEvents() {
            return events(IotConnectionStateChangedEvent.class);
        }
    }
}

package dev.iotspring.core.event;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.iotspring.core.delivery.DeliveryListener;
import dev.iotspring.core.delivery.MessageRejectedException;
import dev.iotspring.core.mqtt.MqttConnectionListener;
import dev.iotspring.core.queue.OutboundMessage;

import org.springframework.context.ApplicationListener;
import org.springframework.context.support.GenericApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

class IotEventPublisherTests {

    private final List<IotEvent> events = new CopyOnWriteArrayList<>();

    private final GenericApplicationContext context = new GenericApplicationContext();

    IotEventPublisherTests() {
        this.context.addApplicationListener((ApplicationListener<IotEvent>) this.events::add);
        this.context.refresh();
    }

    @AfterEach
    void close() {
        this.context.close();
    }

    @Test
    void connectionEventsArePublishedOnChangeOnly() {
        IotEventPublisher publisher = new IotEventPublisher("testplatform", this.context);
        MqttConnectionListener listener = publisher.asMqttConnectionListener();
        IOException refused = new IOException("refused");
        listener.disconnected(refused, true);
        listener.disconnected(refused, true);
        listener.connected(false);
        listener.connected(true);
        listener.disconnected(refused, false);

        assertThat(this.events).hasSize(3).allSatisfy((event) -> {
            assertThat(event).isInstanceOf(IotConnectionStateChangedEvent.class);
            assertThat(event.getPlatform()).isEqualTo("testplatform");
        });
        List<IotConnectionStateChangedEvent> changes = this.events.stream()
            .map(IotConnectionStateChangedEvent.class::cast)
            .toList();
        assertThat(changes).extracting(IotConnectionStateChangedEvent::isConnected).containsExactly(false, true, false);
        assertThat(changes.get(0).getCause()).isSameAs(refused);
        assertThat(changes.get(0).isWillRetry()).isTrue();
        assertThat(changes.get(1).getCause()).isNull();
        assertThat(changes.get(2).isWillRetry()).isFalse();
    }

    @Test
    void deliveryOutcomesBecomeFailedAndDroppedEvents() {
        IotEventPublisher publisher = new IotEventPublisher("testplatform", this.context);
        DeliveryListener listener = publisher.asDeliveryListener();
        OutboundMessage message = OutboundMessage.of("m-1", "topic/a", new byte[] { 1 });
        MessageRejectedException rejected = new MessageRejectedException("no");
        listener.onAcked(message);
        listener.onFailed(message, rejected);
        listener.onDropped(message);

        assertThat(this.events).hasSize(2);
        assertThat(this.events.get(0)).isInstanceOfSatisfying(IotMessageFailedEvent.class, (event) -> {
            assertThat(event.getPlatform()).isEqualTo("testplatform");
            assertThat(event.getMessage()).isSameAs(message);
            assertThat(event.getCause()).isSameAs(rejected);
        });
        assertThat(this.events.get(1)).isInstanceOfSatisfying(IotMessageDroppedEvent.class,
                (event) -> assertThat(event.getMessage()).isSameAs(message));
    }

    @Test
    void aListenerThatThrowsDoesNotReachTheCaller() {
        this.context.addApplicationListener((ApplicationListener<IotMessageDroppedEvent>) (event) -> {
            throw new IllegalStateException("listener bug");
        });
        IotEventPublisher publisher = new IotEventPublisher("testplatform", this.context);
        publisher.asDeliveryListener().onDropped(OutboundMessage.of("m-2", "topic/a", new byte[0]));
        assertThat(this.events).hasSize(1);
    }
}

package dev.iotspring.core.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.iotspring.core.delivery.DeliveryClosedException;
import dev.iotspring.core.delivery.DeliveryListener;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.MessageSender;
import dev.iotspring.core.lifecycle.IotLifecyclePhases;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.store.IotStore;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.core.store.JdbcOutboundQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The shutdown order of ARCHITECTURE.md with real beans: on context close the dispatcher (phase DELIVERY) drains
 * while the connection (phase CONNECTION) is still up, the connection closes after it, the SQLite store last.
 */
class DeliveryLifecycleTests {

    @TempDir
    Path directory;

    @Test
    void contextCloseDrainsBeforeDisconnectAndClosesTheStoreLast() {
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        List<String> acked = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicReference<IotStore> store = new java.util.concurrent.atomic.AtomicReference<>();
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class))
                .withPropertyValues("iot.storage.directory=" + this.directory, "iot.shutdown.drain-timeout=10s",
                        "iot.storage.synchronous=normal")
                .withUserConfiguration(PlatformConfiguration.class).withBean("events", List.class, () -> events)
                .withBean("acked", List.class, () -> acked).run(context -> {
                    Dispatcher dispatcher = context.getBean(Dispatcher.class);
                    store.set(context.getBean(IotStores.class).open("lifecycle"));
                    assertThat(dispatcher.isRunning()).isTrue();
                    for (int i = 0; i < 200; i++) {
                        dispatcher.send(OutboundMessage.of(Integer.toString(i), "t", new byte[8]));
                    }
                    events.add("close requested with " + dispatcher.getQueue().size() + " pending");
                });
        assertThat(acked).hasSize(200);
        assertThat(events).filteredOn(e -> !e.startsWith("close requested")).containsExactly(
                "drained: 0 left, store open", "disconnected");
        assertThat(store.get().isClosed()).as("store closed with the context, last").isTrue();
    }

    @Test
    void sendsAreRefusedOnceTheDrainStarted() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class))
                .withPropertyValues("iot.storage.directory=" + this.directory)
                .withUserConfiguration(PlatformConfiguration.class)
                .withBean("events", List.class, ArrayList::new).withBean("acked", List.class, ArrayList::new)
                .run(context -> {
                    Dispatcher dispatcher = context.getBean(Dispatcher.class);
                    context.close();
                    assertThatThrownBy(() -> dispatcher.send(OutboundMessage.of("late", "t", new byte[1])))
                            .isInstanceOf(DeliveryClosedException.class).hasMessageContaining("shutting down");
                });
    }

    /** What a platform's auto-configuration declares: store, queue, a connection and a dispatcher. */
    @Configuration(proxyBeanMethods = false)
    static class PlatformConfiguration {

        @Bean
        JdbcOutboundQueue testQueue(IotStores stores) {
            return stores.open("lifecycle").outboundQueue("events");
        }

        @Bean
        TestConnection testConnection(@SuppressWarnings("rawtypes") List events) {
            return new TestConnection(cast(events));
        }

        @Bean
        Dispatcher testDispatcher(JdbcOutboundQueue queue, TestConnection connection, IotStores stores,
                IotShutdownProperties shutdown, @SuppressWarnings("rawtypes") List events,
                @SuppressWarnings("rawtypes") List acked) {
            Dispatcher.Builder builder = Dispatcher.builder("lifecycle", queue, connection).window(8)
                    .drainTimeout(shutdown.getDrainTimeout()).listener(new DeliveryListener() {
                        @Override
                        public void onAcked(OutboundMessage message) {
                            cast(acked).add(message.id());
                        }
                    });
            return new RecordingDispatcher(builder, stores.open("lifecycle"), cast(events));
        }

        @SuppressWarnings("unchecked")
        static List<String> cast(List<?> list) {
            return (List<String>) list;
        }
    }

    /** Records, when its drain ends, what is left and whether the store is still open. */
    static class RecordingDispatcher extends Dispatcher {

        private final IotStore store;

        private final List<String> events;

        RecordingDispatcher(Dispatcher.Builder builder, IotStore store, List<String> events) {
            super(builder);
            this.store = store;
            this.events = events;
        }

        @Override
        public void stop(Runnable callback) {
            if (!isRunning()) {
                super.stop(callback); // close() after the lifecycle stop: nothing to record
                return;
            }
            super.stop(() -> {
                this.events.add("drained: " + getQueue().size() + " left, store "
                        + (this.store.isClosed() ? "closed" : "open"));
                callback.run();
            });
        }
    }

    /** Connection stand-in: acknowledges asynchronously while connected, disconnects at phase CONNECTION. */
    static class TestConnection implements MessageSender, SmartLifecycle {

        private final ScheduledExecutorService broker = Executors.newSingleThreadScheduledExecutor();

        private final List<String> events;

        private volatile boolean connected;

        TestConnection(List<String> events) {
            this.events = events;
        }

        @Override
        public CompletableFuture<Void> send(OutboundMessage message) {
            CompletableFuture<Void> ack = new CompletableFuture<>();
            if (!this.connected) {
                ack.completeExceptionally(new IllegalStateException("not connected"));
                return ack;
            }
            this.broker.schedule(() -> ack.complete(null), 2, TimeUnit.MILLISECONDS);
            return ack;
        }

        @Override
        public boolean isReady() {
            return this.connected;
        }

        @Override
        public void start() {
            this.connected = true;
        }

        @Override
        public void stop() {
            this.connected = false;
            this.broker.shutdownNow();
            this.events.add("disconnected");
        }

        @Override
        public boolean isRunning() {
            return this.connected;
        }

        @Override
        public int getPhase() {
            return IotLifecyclePhases.CONNECTION;
        }
    }
}

package dev.iotspring.core.queue.shared;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import com.zaxxer.hikari.HikariDataSource;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.mqtt.MqttConnection;
import dev.iotspring.core.mqtt.MqttConnectionSettings;
import dev.iotspring.core.mqtt.MqttEndpoint;
import dev.iotspring.core.mqtt.MqttMessageSender;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.queue.OverflowStrategy;
import dev.iotspring.core.store.IotStores;

/**
 * An application instance in a child JVM, for tests that kill it: a durable queue (SQLite directory or the
 * shared outbox on PostgreSQL) and a dispatcher publishing to an MQTT broker. It sends {@code count} messages
 * {@code <instance>-<n>}, printing {@code SENT <id>} once each {@code send} returned (the message is committed),
 * then keeps delivering until it is killed or its stdin closes.
 *
 * <p>Arguments: {@code sqlite|postgres}, the directory or JDBC URL, the broker URL, the instance id, the count,
 * the lease in milliseconds (postgres), the dispatcher window, and optionally SQLite's synchronous mode
 * ({@code FULL} by default; under {@code NORMAL} a send returns once its message is in the intake journal).
 */
public final class KillableSender {

    static final String SENT = "SENT ";

    static final String DONE = "DONE";

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String storage = args[1];
        String brokerUrl = args[2];
        String instance = args[3];
        int count = Integer.parseInt(args[4]);
        Duration lease = Duration.ofMillis(Long.parseLong(args[5]));
        int window = Integer.parseInt(args[6]);
        OutboundQueue queue;
        if (mode.equals("sqlite")) {
            SynchronousMode synchronous = (args.length > 7) ? SynchronousMode.valueOf(args[7]) : SynchronousMode.FULL;
            IotStores stores = new IotStores(Path.of(storage), synchronous, Duration.ofSeconds(5));
            queue = stores.durableQueue("kill", "events", 0, OverflowStrategy.RAISE_EXCEPTION);
        }
        else {
            HikariDataSource dataSource = new HikariDataSource();
            dataSource.setJdbcUrl(storage);
            dataSource.setUsername("postgres");
            dataSource.setMaximumPoolSize(4);
            queue = new SharedOutbox(dataSource, "iot_", instance, lease).open("kill.events", 0,
                    OverflowStrategy.RAISE_EXCEPTION);
        }
        MqttConnection connection = new MqttConnection(
                MqttConnectionSettings.builder(MqttEndpoint.parse(brokerUrl), instance).maxInflight(window).build());
        connection.start();
        Dispatcher dispatcher = Dispatcher.builder("kill", queue, new MqttMessageSender(connection))
            .window(window)
            .build();
        dispatcher.start();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < count; i++) {
            String id = instance + "-" + i;
            dispatcher.send(new OutboundMessage(id, "kill/" + instance, id.getBytes(StandardCharsets.UTF_8), 1,
                    false, java.time.Instant.now()));
            // Printed only after send returned: every id printed is a message the application was promised.
            out.setLength(0);
            System.out.println(out.append(SENT).append(id));
        }
        System.out.println(DONE);
        System.out.flush();
        // Delivering (its own rows, or a dead instance's lane) until killed.
        while (System.in.read() >= 0) {
            // ignore input
        }
    }
}

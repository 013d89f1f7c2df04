package dev.iotspring.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.core.delivery.Dispatcher;
import dev.iotspring.core.delivery.MessageSender;
import dev.iotspring.core.queue.InMemoryQueue;
import dev.iotspring.core.queue.OutboundMessage;
import dev.iotspring.stellanow.StellaNowEnvelopeCodec;
import dev.iotspring.stellanow.StellaNowTemplate;
import dev.iotspring.stellanow.autoconfigure.StellaNowAutoConfiguration;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * Heap per message held by an in-memory queue while the broker is down: {@code count} messages sent and kept
 * (their futures too, as a caller would), heap used after a full GC minus before, divided by {@code count}.
 *
 * <ul>
 * <li>{@code dispatcher}: {@link Dispatcher#sendAsync} of {@link OutboundMessage}s with a 300-byte payload (the
 * queue, its bookkeeping and the future).</li>
 * <li>{@code template}: {@link StellaNowTemplate#send} of the {@link StellaNowSendBenchmark} event (about 300 bytes
 * of JSON, its envelope is printed) from the auto-configuration, the broker URL unreachable.</li>
 * </ul>
 * Run: {@code -Dbenchmark.main=dev.iotspring.benchmarks.QueueMemoryFootprint -Dbenchmark.args="100000"}.
 */
public final class QueueMemoryFootprint {

    private QueueMemoryFootprint() {
    }

    public static void main(String[] args) throws Exception {
        int count = (args.length > 0) ? Integer.parseInt(args[0]) : 100_000;
        dispatcher(count);
        template(count);
        System.exit(0);
    }

    private static void dispatcher(int count) {
        MessageSender down = new MessageSender() {
            @Override
            public CompletableFuture<Void> send(OutboundMessage message) {
                throw new IllegalStateException("the broker is down");
            }

            @Override
            public boolean isReady() {
                return false;
            }
        };
        Dispatcher dispatcher = Dispatcher.builder("memory", InMemoryQueue.fifo(), down).build();
        dispatcher.start();
        byte[] payload = new byte[300];
        String topic = "in/" + UUID.randomUUID();
        List<CompletableFuture<Void>> futures = new ArrayList<>(count);
        long before = usedAfterGc();
        for (int i = 0; i < count; i++) {
            // Each message has its own payload array, as an encoded message would.
            futures.add(dispatcher.sendAsync(OutboundMessage.of(UUID.randomUUID().toString(), topic, payload.clone())));
        }
        long after = usedAfterGc();
        report("Dispatcher.sendAsync, 300-byte payload", count, before, after, 300, dispatcher.getQueue().size());
        futures.clear();
    }

    private static void template(int count) {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(StellaNowSendBenchmark.Application.class)
            .web(WebApplicationType.NONE)
            .logStartupInfo(false)
            .properties("iot.stellanow.enabled=true",
                    "iot.stellanow.organization-id=" + StellaNowSendBenchmark.ORGANIZATION,
                    "iot.stellanow.project-id=" + StellaNowSendBenchmark.PROJECT,
                    // Nothing listens there: the connection keeps retrying, events queue.
                    "iot.stellanow.broker-url=mqtt://127.0.0.1:1", "iot.stellanow.auth.strategy=none",
                    "iot.stellanow.queue.type=memory", "iot.stellanow.queue.max-size=0")
            .run();
        try {
            StellaNowTemplate template = context.getBean(StellaNowTemplate.class);
            int envelope = context.getBean(StellaNowEnvelopeCodec.class).encode(StellaNowSendBenchmark.event()).length;
            List<CompletableFuture<?>> futures = new ArrayList<>(count);
            long before = usedAfterGc();
            for (int i = 0; i < count; i++) {
                futures.add(template.send(StellaNowSendBenchmark.event()));
            }
            long after = usedAfterGc();
            report("StellaNowTemplate.send, ~300-byte JSON event", count, before, after, envelope,
                    template.pendingMessages());
            futures.clear();
        }
        finally {
            context.close();
        }
    }

    private static void report(String what, int count, long before, long after, int payloadBytes, int queued) {
        double perMessage = (after - before) / (double) count;
        System.out.printf(Locale.ROOT, "%s: %d queued, heap %.1f MB -> %.1f MB, %.0f bytes per message "
                + "(%d of them the encoded message, %.0f bookkeeping)%n", what, queued, before / 1e6, after / 1e6,
                perMessage, payloadBytes, perMessage - payloadBytes);
    }

    private static long usedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}

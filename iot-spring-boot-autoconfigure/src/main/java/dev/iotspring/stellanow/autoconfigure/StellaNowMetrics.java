package dev.iotspring.stellanow.autoconfigure;

import java.time.Duration;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.iotspring.core.observe.IotMetrics;
import dev.iotspring.stellanow.SendResult;
import dev.iotspring.stellanow.StellaNowListener;
import dev.iotspring.stellanow.StellaNowTemplate;

/**
 * The shared meters with {@code platform=stellanow}: {@code iot.messages.sent}, {@code iot.messages.failed},
 * {@code iot.messages.dropped}, {@code iot.queue.size} and {@code iot.publish.latency} (accepted to PUBACK).
 * The connection gauge comes from core's {@code MqttConnectionMetrics}.
 */
public class StellaNowMetrics implements MeterBinder, StellaNowListener {

    static final String PLATFORM = "stellanow";

    private final StellaNowTemplate template;

    private volatile Timer latency;

    public StellaNowMetrics(StellaNowTemplate template) {
        this.template = template;
        template.addListener(this);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder(IotMetrics.MESSAGES_SENT, this.template, (t) -> t.stats().sent())
            .description("Events acknowledged by the StellaNow broker")
            .tag(IotMetrics.TAG_PLATFORM, PLATFORM)
            .register(registry);
        FunctionCounter.builder(IotMetrics.MESSAGES_FAILED, this.template, (t) -> t.stats().failed() + t.stats().lost())
            .description("Events that will not be delivered (rejected, or lost from an in-memory queue at shutdown)")
            .tag(IotMetrics.TAG_PLATFORM, PLATFORM)
            .register(registry);
        FunctionCounter.builder(IotMetrics.MESSAGES_DROPPED, this.template, StellaNowTemplate::droppedMessages)
            .description("Events discarded by the queue's overflow rule")
            .tag(IotMetrics.TAG_PLATFORM, PLATFORM)
            .register(registry);
        Gauge.builder(IotMetrics.QUEUE_SIZE, this.template, StellaNowTemplate::pendingMessages)
            .description("Events accepted and not acknowledged yet")
            .tag(IotMetrics.TAG_PLATFORM, PLATFORM)
            .register(registry);
        this.latency = Timer.builder(IotMetrics.PUBLISH_LATENCY)
            .description("Time from send to the broker's acknowledgement")
            .tag(IotMetrics.TAG_PLATFORM, PLATFORM)
            .register(registry);
    }

    @Override
    public void onAcknowledged(SendResult result) {
        Timer timer = this.latency;
        if (timer != null) {
            timer.record(Duration.between(result.acceptedAt(), result.acknowledgedAt()));
        }
    }
}

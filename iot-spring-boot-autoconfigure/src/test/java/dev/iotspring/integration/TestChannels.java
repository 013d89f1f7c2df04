package dev.iotspring.integration;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.config.EnableIntegration;

/**
 * Spring Integration on, and the queue channels the flow tests read from: {@code acknowledged} (a handler's
 * output), {@code failures} (an error channel) and {@code received} (an inbound adapter's output).
 */
@Configuration(proxyBeanMethods = false)
@EnableIntegration
public class TestChannels {

    @Bean
    QueueChannel acknowledged() {
        return new QueueChannel();
    }

    @Bean
    QueueChannel failures() {
        return new QueueChannel();
    }

    @Bean
    QueueChannel received() {
        return new QueueChannel();
    }
}

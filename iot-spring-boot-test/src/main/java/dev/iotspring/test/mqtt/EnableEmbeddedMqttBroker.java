package dev.iotspring.test.mqtt;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts an {@link EmbeddedMqttBroker} for a test class and injects it into parameters:
 *
 * <pre class="code">
 * &#064;EnableEmbeddedMqttBroker
 * &#064;SpringBootTest
 * class MyTests {
 *
 *     &#064;DynamicPropertySource
 *     static void broker(DynamicPropertyRegistry registry) {
 *         registry.add("iot.stellanow.broker-url", () -&gt; EmbeddedMqttBroker.shared().tcpUrl());
 *     }
 *
 *     &#064;Test
 *     void sends(EmbeddedMqttBroker broker) {
 *         // ... act ...
 *         assertThat(broker.awaitPublishes(1, Duration.ofSeconds(5))).singleElement() ...
 *     }
 * }
 * </pre>
 *
 * The broker is reset (recordings cleared, fault knobs off) before each test. Without Spring's
 * {@code @DynamicPropertySource}, {@link EmbeddedMqttBrokerInitializer} puts the URLs into the environment.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(MqttBrokerExtension.class)
public @interface EnableEmbeddedMqttBroker {

    /**
     * Whether to use the JVM-wide {@link EmbeddedMqttBroker#shared() shared} broker (fast: started once) or
     * a broker of the class's own (needed when tests stop and restart it).
     */
    boolean shared() default true;
}

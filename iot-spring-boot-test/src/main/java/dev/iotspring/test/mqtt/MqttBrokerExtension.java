package dev.iotspring.test.mqtt;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * JUnit 5 extension behind {@link EnableEmbeddedMqttBroker}: provides an {@link EmbeddedMqttBroker} as a
 * parameter of constructors, lifecycle and test methods, and {@linkplain EmbeddedMqttBroker#reset() resets} it
 * before every test. By default it is the JVM-wide {@link EmbeddedMqttBroker#shared() shared} broker; with
 * {@code @EnableEmbeddedMqttBroker(shared = false)} the class gets its own, closed after its last test (for
 * tests that stop the broker).
 */
public final class MqttBrokerExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace
        .create(MqttBrokerExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        broker(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        broker(context).reset();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == EmbeddedMqttBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return broker(extensionContext);
    }

    private static EmbeddedMqttBroker broker(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        boolean shared = AnnotationSupport.findAnnotation(testClass, EnableEmbeddedMqttBroker.class)
            .map(EnableEmbeddedMqttBroker::shared)
            .orElse(true);
        if (shared) {
            return EmbeddedMqttBroker.shared();
        }
        ExtensionContext classContext = classContext(context);
        return classContext.getStore(NAMESPACE)
            .getOrComputeIfAbsent(testClass.getName(), key -> new ClosingBroker(EmbeddedMqttBroker.startDefault()),
                    ClosingBroker.class)
            .broker;
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }

    /** Closes a class's own broker when JUnit closes the class's store. */
    private record ClosingBroker(EmbeddedMqttBroker broker) implements AutoCloseable {

        @Override
        public void close() {
            this.broker.close();
        }
    }
}

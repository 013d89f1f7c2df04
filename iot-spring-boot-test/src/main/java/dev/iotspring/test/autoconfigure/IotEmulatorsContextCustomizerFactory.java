package dev.iotspring.test.autoconfigure;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.TestContextAnnotationUtils;

/**
 * Adds {@link IotEmulatorsContextCustomizer} to the context of a test class annotated with
 * {@link AutoConfigureIotEmulators} (registered in {@code META-INF/spring.factories}).
 */
class IotEmulatorsContextCustomizerFactory implements ContextCustomizerFactory {

    @Override
    public @Nullable ContextCustomizer createContextCustomizer(Class<?> testClass,
            List<ContextConfigurationAttributes> configAttributes) {
        return TestContextAnnotationUtils.hasAnnotation(testClass, AutoConfigureIotEmulators.class)
                ? new IotEmulatorsContextCustomizer() : null;
    }
}

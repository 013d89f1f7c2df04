package dev.iotspring.test.autoconfigure;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Starts the emulators of the platforms the test's application enables, once its environment is ready and
 * before any bean exists; registers what points the platforms at them, the {@link IotEmulators} bean, and closes
 * the emulators with the context (after the application's beans, so shutdown drains still reach them).
 */
final class IotEmulatorsContextCustomizer implements ContextCustomizer {

    static final String PROPERTY_SOURCE = "iotEmulators";

    @Override
    public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
        IotEmulators emulators = IotEmulators.start(context.getEnvironment(), context);
        // First: the emulators' addresses win over what the application's configuration says.
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE,
                emulators.properties()));
        if (context.getBeanFactory() instanceof BeanDefinitionRegistry registry) {
            emulators.connectionDetails().forEach(registry::registerBeanDefinition);
        }
        context.getBeanFactory().registerSingleton("iotEmulators", emulators);
        if (context.getBeanFactory() instanceof DefaultListableBeanFactory beanFactory) {
            // A disposable registered first is destroyed last.
            beanFactory.registerDisposableBean("iotEmulators", emulators::close);
        }
    }

    // One customizer for every annotated test: contexts that differ only in the test class are shared.
    @Override
    public boolean equals(Object other) {
        return other != null && other.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return getClass().hashCode();
    }
}

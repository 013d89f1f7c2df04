package dev.iotspring.streamsea;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.iotspring.core.config.ListenerMethodFinder;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;

/**
 * Finds {@link StreamSeaListener} methods on beans and hands them to the
 * {@link StreamSeaListenerEndpointRegistry} once all singletons exist.
 */
public class StreamSeaListenerAnnotationBeanPostProcessor
        implements BeanPostProcessor, BeanFactoryAware, SmartInitializingSingleton {

    private final List<StreamSeaListenerEndpoint> endpoints = new ArrayList<>();

    private final ListenerMethodFinder<StreamSeaListener> finder = new ListenerMethodFinder<>(StreamSeaListener.class);

    private @Nullable ConfigurableBeanFactory beanFactory;

    private volatile @Nullable StreamSeaListenerEndpointRegistry registry;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        if (beanFactory instanceof ConfigurableBeanFactory configurable) {
            this.beanFactory = configurable;
        }
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        Map<Method, StreamSeaListener> methods = this.finder.find(bean);
        if (methods.isEmpty()) {
            return bean;
        }
        methods.forEach((method, annotation) -> {
            Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
            String group = resolve(annotation.group());
            UUID groupId = null;
            if (!group.isBlank()) {
                try {
                    groupId = UUID.fromString(group.trim());
                }
                catch (IllegalArgumentException ex) {
                    throw new IllegalStateException("@StreamSeaListener method "
                            + StreamSeaListenerEndpoint.describe(method) + " has a group that is not a UUID: " + group);
                }
            }
            StreamSeaListenerEndpoint endpoint = new StreamSeaListenerEndpoint(bean, invocable,
                    resolve(annotation.stream()), groupId, annotation.fanout());
            StreamSeaListenerEndpointRegistry ready = this.registry;
            if (ready != null) {
                // A lazy bean created after startup: its listeners join right away.
                ready.register(endpoint);
                return;
            }
            synchronized (this.endpoints) {
                this.endpoints.add(endpoint);
            }
        });
        return bean;
    }

    private String resolve(String value) {
        String resolved = (this.beanFactory != null) ? this.beanFactory.resolveEmbeddedValue(value) : value;
        return (resolved != null) ? resolved : value;
    }

    @Override
    public void afterSingletonsInstantiated() {
        List<StreamSeaListenerEndpoint> found;
        synchronized (this.endpoints) {
            found = List.copyOf(this.endpoints);
            this.endpoints.clear();
        }
        if (this.beanFactory == null) {
            return;
        }
        StreamSeaListenerEndpointRegistry registry = this.beanFactory.getBean(StreamSeaListenerEndpointRegistry.class);
        found.forEach(registry::register);
        this.registry = registry;
    }
}

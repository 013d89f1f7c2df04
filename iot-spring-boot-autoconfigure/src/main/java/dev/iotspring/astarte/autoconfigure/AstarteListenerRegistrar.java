package dev.iotspring.astarte.autoconfigure;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.iotspring.astarte.AstarteDevice;
import dev.iotspring.astarte.AstarteListener;
import dev.iotspring.astarte.AstarteServerEvent;
import dev.iotspring.core.config.ListenerMethodFinder;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.util.ReflectionUtils;

/**
 * Finds {@link AstarteListener} methods on beans and adds each, filtered by its interface, to the
 * {@link AstarteDevice} once all singletons exist. A method must take exactly one {@link AstarteServerEvent}.
 */
class AstarteListenerRegistrar implements BeanPostProcessor, SmartInitializingSingleton, BeanFactoryAware {

    private record Target(Object bean, Method method, String interfaceName) {
    }

    private final List<Target> targets = new ArrayList<>();

    private final ListenerMethodFinder<AstarteListener> finder = new ListenerMethodFinder<>(AstarteListener.class);

    private BeanFactory beanFactory;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        Map<Method, AstarteListener> methods = this.finder.find(bean);
        if (methods.isEmpty()) {
            return bean;
        }
        Class<?> type = AopUtils.getTargetClass(bean);
        methods.forEach((method, annotation) -> {
            if (method.getParameterCount() != 1 || !method.getParameterTypes()[0].equals(AstarteServerEvent.class)) {
                throw new IllegalStateException("@AstarteListener method " + type.getName() + "." + method.getName()
                        + " must take exactly one AstarteServerEvent");
            }
            Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
            ReflectionUtils.makeAccessible(invocable);
            this.targets.add(new Target(bean, invocable, annotation.interfaceName()));
        });
        return bean;
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (this.targets.isEmpty()) {
            return;
        }
        AstarteDevice device = this.beanFactory.getBean(AstarteDevice.class);
        for (Target t : this.targets) {
            device.addListener(event -> {
                if (event.interfaceName().equals(t.interfaceName())) {
                    ReflectionUtils.invokeMethod(t.method(), t.bean(), event);
                }
            });
        }
    }
}

package dev.iotspring.core.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Method;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class ListenerMethodFinderTests {

    private final ListenerMethodFinder<OnReading> finder = new ListenerMethodFinder<>(OnReading.class);

    @Test
    void findsTheAnnotatedMethodsOfABeanAndOfItsSuperclass() {
        Map<Method, OnReading> methods = this.finder.find(new Listeners());
        assertThat(methods.keySet()).extracting(Method::getName).containsExactlyInAnyOrder("first", "inherited");
        assertThat(methods.values()).extracting(OnReading::value).containsExactlyInAnyOrder("a", "base");
    }

    @Test
    void findsTheMethodsOfTheTargetBehindAProxy() {
        ProxyFactory factory = new ProxyFactory(new Listeners());
        factory.setProxyTargetClass(true);
        assertThat(this.finder.find(factory.getProxy())).hasSize(2);
    }

    @Test
    void findsTheListenersOfAnApplicationClassThatExtendsASpringClass() {
        // Spring's own classes are skipped; a subclass of one is the application's.
        Object bean = new EnvironmentWithListener();
        assertThat(this.finder.find(bean)).hasSize(1);
        assertThat(this.finder.find(bean)).as("asked again").hasSize(1);
    }

    @Test
    void aBeanWithoutListenersHasNone() {
        assertThat(this.finder.find(new Object())).isEmpty();
        assertThat(this.finder.find(new StandardEnvironment())).isEmpty();
        assertThat(this.finder.find("a string")).isEmpty();
    }

    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface OnReading {

        String value();

    }

    static class Base {

        @OnReading("base")
        void inherited(String reading) {
        }

    }

    static class Listeners extends Base {

        @OnReading("a")
        void first(String reading) {
        }

        void notAListener(String reading) {
        }

    }

    static class EnvironmentWithListener extends StandardEnvironment {

        @OnReading("env")
        void onReading(String reading) {
        }

    }
}

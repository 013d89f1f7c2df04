package dev.iotspring.core.config;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.aop.support.AopUtils;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.stereotype.Component;
import org.springframework.util.ClassUtils;

/**
 * Finds the methods of a bean that carry one listener annotation, for the platforms' annotation post-processors.
 * Such a post-processor sees every bean of the application, most of them Spring's own: like Spring's
 * {@code EventListenerMethodProcessor}, it skips the framework's classes (unless they are components, as in
 * tests) and remembers each class found without the annotation, so the scan costs little at startup.
 *
 * @param <A> the listener annotation
 */
public final class ListenerMethodFinder<A extends Annotation> {

    private final Class<A> annotationType;

    private final Set<Class<?>> withoutListeners = ConcurrentHashMap.newKeySet();

    public ListenerMethodFinder(Class<A> annotationType) {
        this.annotationType = Objects.requireNonNull(annotationType, "annotationType");
    }

    /** The annotated methods of the bean's target class, with their merged annotation; empty for most beans. */
    public Map<Method, A> find(Object bean) {
        Class<?> type = AopUtils.getTargetClass(bean);
        if (this.withoutListeners.contains(type)) {
            return Map.of();
        }
        if (!AnnotationUtils.isCandidateClass(type, this.annotationType) || isSpringContainerClass(type)) {
            this.withoutListeners.add(type);
            return Map.of();
        }
        Map<Method, A> methods = MethodIntrospector.selectMethods(type,
                (MethodIntrospector.MetadataLookup<A>) (method) -> AnnotatedElementUtils.findMergedAnnotation(method,
                        this.annotationType));
        if (methods.isEmpty()) {
            this.withoutListeners.add(type);
        }
        return methods;
    }

    private static boolean isSpringContainerClass(Class<?> type) {
        return type.getName().startsWith("org.springframework.")
                && !AnnotatedElementUtils.isAnnotated(ClassUtils.getUserClass(type), Component.class);
    }
}

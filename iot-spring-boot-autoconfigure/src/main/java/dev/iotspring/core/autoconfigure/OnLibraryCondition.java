package dev.iotspring.core.autoconfigure;

import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.ClassUtils;

/**
 * {@link ConditionalOnLibrary}: ordered last, so that Spring stops at a failing property condition before it loads
 * anything.
 */
@Order(Ordered.LOWEST_PRECEDENCE)
class OnLibraryCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        String[] names = (String[]) metadata.getAnnotationAttributes(ConditionalOnLibrary.class.getName())
            .get("value");
        List<String> missing = Arrays.stream(names)
            .filter((name) -> !isPresent(name, context.getClassLoader()))
            .toList();
        ConditionMessage.Builder message = ConditionMessage.forCondition(ConditionalOnLibrary.class);
        if (!missing.isEmpty()) {
            return ConditionOutcome.noMatch(message.didNotFind("required class", "required classes")
                .items(ConditionMessage.Style.QUOTE, missing));
        }
        return ConditionOutcome.match(message.found("required class", "required classes")
            .items(ConditionMessage.Style.QUOTE, Arrays.asList(names)));
    }

    /**
     * Looks for the class file instead of loading the class: the first class loaded from a signed jar (Paho,
     * BouncyCastle) makes the JDK verify the jar's signature, 120-140 ms of CPU for BouncyCastle against 3 ms for
     * the look-up, which the startup thread would pay for a condition. The library is then loaded, and verified,
     * where it is first used (Astarte's CSR on the device's own thread).
     */
    static boolean isPresent(String className, @Nullable ClassLoader classLoader) {
        ClassLoader loader = (classLoader != null) ? classLoader : ClassUtils.getDefaultClassLoader();
        return loader != null && loader.getResource(ClassUtils.convertClassNameToResourcePath(className) + ".class") != null;
    }
}

package dev.iotspring.core.autoconfigure;

import java.util.Arrays;
import java.util.List;

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
            .filter((name) -> !ClassUtils.isPresent(name, context.getClassLoader()))
            .toList();
        ConditionMessage.Builder message = ConditionMessage.forCondition(ConditionalOnLibrary.class);
        if (!missing.isEmpty()) {
            return ConditionOutcome.noMatch(message.didNotFind("required class", "required classes")
                .items(ConditionMessage.Style.QUOTE, missing));
        }
        return ConditionOutcome.match(message.found("required class", "required classes")
            .items(ConditionMessage.Style.QUOTE, Arrays.asList(names)));
    }
}

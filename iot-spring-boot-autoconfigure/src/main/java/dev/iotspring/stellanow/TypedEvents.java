package dev.iotspring.stellanow;

import java.lang.reflect.AccessibleObject;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads {@link StellaNowEvent} objects: entity fields become {@link EntityRef}s, the rest the payload with
 * snake_case names (nested objects too, as the {@code stellanow-cli} generator names them); a
 * {@link StellaNowOriginDate} member becomes the origin date and stays out of the payload.
 */
final class TypedEvents {

    private static final SnakeCase SNAKE_CASE = new SnakeCase();

    private final JsonMapper snakeCaseMapper;

    private final ClassValue<Layout> layouts = new ClassValue<>() {
        @Override
        protected Layout computeValue(Class<?> type) {
            return Layout.of(type);
        }
    };

    TypedEvents(JsonMapper payloadMapper) {
        this.snakeCaseMapper = payloadMapper.rebuild()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();
    }

    StellaNowMessage toMessage(Object event) {
        Layout layout = this.layouts.get(event.getClass());
        StellaNowMessage.Builder builder = StellaNowMessage.builder(layout.eventType);
        if (layout.originDate != null) {
            Instant origin = toInstant(layout.originDate.read(event));
            if (origin != null) {
                builder.originDate(origin);
            }
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        for (Property property : layout.properties) {
            Object value = property.read(event);
            if (property.entityType != null) {
                if (value == null || value.toString().isBlank()) {
                    throw new StellaNowValidationException(property.javaName, "(entity '" + property.entityType
                            + "') of event " + layout.eventType + " has no id");
                }
                builder.entity(property.entityType, value.toString());
            }
            else {
                payload.put(property.jsonName, value);
            }
        }
        try {
            return builder.rawPayload(this.snakeCaseMapper.writeValueAsString(payload)).build();
        }
        catch (JacksonException ex) {
            throw new StellaNowValidationException("event", layout.eventType + " (" + event.getClass().getName()
                    + ") cannot be serialized as JSON: " + ex.getOriginalMessage(), ex);
        }
    }

    private static @Nullable Instant toInstant(@Nullable Object value) {
        if (value instanceof OffsetDateTime offset) {
            return offset.toInstant();
        }
        if (value instanceof ZonedDateTime zoned) {
            return zoned.toInstant();
        }
        return (Instant) value;
    }

    private record Layout(String eventType, List<Property> properties, @Nullable Property originDate) {

        static Layout of(Class<?> type) {
            StellaNowEvent annotation = type.getAnnotation(StellaNowEvent.class);
            if (annotation == null) {
                throw new StellaNowValidationException("event", "type " + type.getName()
                        + " is not annotated with @StellaNowEvent; send a StellaNowMessage or annotate the type");
            }
            List<Property> properties = new ArrayList<>();
            List<Property> originDates = new ArrayList<>();
            if (type.isRecord()) {
                for (RecordComponent component : type.getRecordComponents()) {
                    Method accessor = component.getAccessor();
                    Field field = declaredField(type, component.getName());
                    if (!addOriginDate(originDates, type, component.getName(), component.getType(), accessor,
                            component, field)) {
                        add(properties, component.getName(), accessor,
                                component.getAnnotation(StellaNowEntity.class), component, field);
                    }
                }
            }
            else {
                List<Class<?>> hierarchy = new ArrayList<>();
                for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                    hierarchy.add(0, c);
                }
                for (Class<?> c : hierarchy) {
                    for (Field field : c.getDeclaredFields()) {
                        int modifiers = field.getModifiers();
                        if (Modifier.isStatic(modifiers) || Modifier.isTransient(modifiers) || field.isSynthetic()) {
                            continue;
                        }
                        if (!addOriginDate(originDates, type, field.getName(), field.getType(), field, field, field)) {
                            add(properties, field.getName(), field, field.getAnnotation(StellaNowEntity.class),
                                    field, field);
                        }
                    }
                }
            }
            if (properties.stream().noneMatch((p) -> p.entityType != null)) {
                throw new StellaNowValidationException("event", "type " + type.getName()
                        + " has no @StellaNowEntity field; an event needs at least one entity");
            }
            if (originDates.size() > 1) {
                throw new StellaNowValidationException("event", "type " + type.getName()
                        + " has more than one @StellaNowOriginDate member ("
                        + String.join(", ", originDates.stream().map(Property::javaName).toList())
                        + "); an event has one origin date");
            }
            return new Layout(annotation.value(), List.copyOf(properties),
                    originDates.isEmpty() ? null : originDates.get(0));
        }

        /** Takes the member as the origin date if annotated so (checked: type, not also an entity). */
        private static boolean addOriginDate(List<Property> originDates, Class<?> eventType, String name,
                Class<?> valueType, AccessibleObject reader, AnnotatedElement annotated, Field field) {
            if (!isAnnotated(annotated, field, StellaNowOriginDate.class)) {
                return false;
            }
            String member = eventType.getName() + "." + name;
            if (valueType != Instant.class && valueType != OffsetDateTime.class && valueType != ZonedDateTime.class) {
                throw new StellaNowValidationException(member, "is annotated @StellaNowOriginDate but is a "
                        + valueType.getName() + "; it must be a java.time.Instant, OffsetDateTime or ZonedDateTime");
            }
            if (isAnnotated(annotated, field, StellaNowEntity.class)) {
                throw new StellaNowValidationException(member,
                        "is annotated with both @StellaNowOriginDate and @StellaNowEntity; it can be only one");
            }
            if (!((Member) reader).getDeclaringClass().getPackageName().startsWith("java.")) {
                reader.trySetAccessible();
            }
            originDates.add(new Property(name, name, null, reader));
            return true;
        }

        private static void add(List<Property> properties, String name, AccessibleObject reader,
                StellaNowEntity entity, AnnotatedElement annotated, Field field) {
            if (isAnnotated(annotated, field, JsonIgnore.class)) {
                return;
            }
            JsonProperty explicit = annotation(annotated, field, JsonProperty.class);
            String jsonName = (explicit != null && !explicit.value().isEmpty()) ? explicit.value()
                    : SNAKE_CASE.apply(name);
            if (!((Member) reader).getDeclaringClass().getPackageName().startsWith("java.")) {
                reader.trySetAccessible();
            }
            properties.add(new Property(name, jsonName, (entity != null) ? entity.value() : null, reader));
        }

        private static boolean isAnnotated(AnnotatedElement a, Field f,
                Class<? extends java.lang.annotation.Annotation> type) {
            return annotation(a, f, type) != null;
        }

        private static <A extends java.lang.annotation.Annotation> A annotation(AnnotatedElement a, Field f,
                Class<A> type) {
            A found = a.getAnnotation(type);
            return (found == null && f != null) ? f.getAnnotation(type) : found;
        }

        private static Field declaredField(Class<?> type, String name) {
            try {
                return type.getDeclaredField(name);
            }
            catch (NoSuchFieldException ex) {
                return null;
            }
        }
    }

    private record Property(String javaName, String jsonName, String entityType, AccessibleObject reader) {

        Object read(Object target) {
            try {
                return (this.reader instanceof Method method) ? method.invoke(target)
                        : ((Field) this.reader).get(target);
            }
            catch (IllegalAccessException ex) {
                throw new StellaNowValidationException(this.javaName, "of " + target.getClass().getName()
                        + " cannot be read; make the type public or open its package", ex);
            }
            catch (InvocationTargetException ex) {
                throw new StellaNowValidationException(this.javaName, "of " + target.getClass().getName()
                        + " threw when read", ex.getCause());
            }
        }
    }

    /** Jackson's own snake_case rule, so top-level names match the nested ones Jackson writes. */
    private static final class SnakeCase extends PropertyNamingStrategies.SnakeCaseStrategy {

        String apply(String name) {
            return translate(name);
        }
    }
}

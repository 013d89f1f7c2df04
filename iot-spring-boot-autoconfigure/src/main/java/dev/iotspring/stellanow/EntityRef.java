package dev.iotspring.stellanow;

import java.util.Objects;

/**
 * One entity an event is about: the entity type's name as defined in the Operators Console (for example
 * {@code patron}) and the instance id (for example {@code patron-42}).
 *
 * @param entityTypeDefinitionId entity type name
 * @param entityId entity instance id
 */
public record EntityRef(String entityTypeDefinitionId, String entityId) {

    public EntityRef {
        Objects.requireNonNull(entityTypeDefinitionId, "entityTypeDefinitionId");
        Objects.requireNonNull(entityId, "entityId");
        if (entityTypeDefinitionId.isBlank()) {
            throw new StellaNowValidationException("entityTypeDefinitionId", "must not be blank");
        }
        if (entityId.isBlank()) {
            throw new StellaNowValidationException("entityId", "of entity '" + entityTypeDefinitionId
                    + "' must not be blank");
        }
    }

    public static EntityRef of(String entityTypeDefinitionId, String entityId) {
        return new EntityRef(entityTypeDefinitionId, entityId);
    }
}

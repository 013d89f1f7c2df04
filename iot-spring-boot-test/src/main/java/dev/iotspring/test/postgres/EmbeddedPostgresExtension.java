package dev.iotspring.test.postgres;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: provides the JVM's {@link EmbeddedPostgresServer#shared() shared} PostgreSQL server as a
 * parameter of constructors, lifecycle and test methods. Every test class using it shares one server (started
 * once, a few seconds); take a database of your own with {@link EmbeddedPostgresServer#createDatabase(String)}.
 */
public final class EmbeddedPostgresExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == EmbeddedPostgresServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return EmbeddedPostgresServer.shared();
    }
}

package dev.iotspring.core.autoconfigure;

import org.springframework.boot.test.context.FilteredClassLoader;

/**
 * A class loader without a library, as when its jar is not on the class path: neither its classes nor their class
 * files ({@code @ConditionalOnLibrary} looks for the class file, which {@code new FilteredClassLoader("pkg")} alone
 * still shows).
 */
public final class AbsentLibrary {

    private AbsentLibrary() {
    }

    public static FilteredClassLoader without(String packageName) {
        String resourcePrefix = packageName.replace('.', '/');
        return new FilteredClassLoader((name) -> name.startsWith(packageName) || name.startsWith(resourcePrefix));
    }
}

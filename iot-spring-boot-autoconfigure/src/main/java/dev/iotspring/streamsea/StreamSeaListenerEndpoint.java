package dev.iotspring.streamsea;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import org.springframework.util.ReflectionUtils;

/**
 * One {@link StreamSeaListener} method on one bean, with its placeholders resolved.
 *
 * @param bean the bean
 * @param method the method to call (already selected on the bean's class, so proxies work)
 * @param stream stream name
 * @param group consumer group, {@code null} for the server default group
 * @param fanout fresh group per subscribe
 */
public record StreamSeaListenerEndpoint(Object bean, Method method, String stream, @Nullable UUID group,
        boolean fanout) {

    public StreamSeaListenerEndpoint {
        if (method.getParameterCount() != 1) {
            throw new IllegalStateException("@StreamSeaListener method " + describe(method)
                    + " must take exactly one parameter, the payload");
        }
        if (fanout && group != null) {
            throw new IllegalStateException("@StreamSeaListener method " + describe(method)
                    + " sets both group and fanout; choose one");
        }
        if (stream.isBlank()) {
            throw new IllegalStateException("@StreamSeaListener method " + describe(method) + " needs a stream");
        }
        ReflectionUtils.makeAccessible(method);
    }

    /** The parameter's type, generics included ({@code List<Reading>} stays a list of readings). */
    public Type payloadType() {
        return this.method.getGenericParameterTypes()[0];
    }

    void invoke(Object payload) throws Throwable {
        try {
            this.method.invoke(this.bean, payload);
        }
        catch (InvocationTargetException ex) {
            throw ex.getTargetException();
        }
    }

    public String id() {
        return describe(this.method);
    }

    static String describe(Method method) {
        return method.getDeclaringClass().getName() + "#" + method.getName();
    }
}

package dev.iotspring.core.http;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.util.ClassUtils;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Which {@link WebClient.Builder} a platform client starts from.
 *
 * <p>Boot's {@code webClientBuilder} bean is a prototype carrying the application's codecs and
 * {@code WebClientCustomizer}s, so platforms use it when it is there. An application may replace it, typically
 * with a {@code @LoadBalanced} builder: a platform's own calls (to a fixed server URL) must not go through
 * service discovery (StellMap's calls would even resolve through StellMap itself), so then a plain
 * {@link WebClient#builder()} with the application's customizers applied is used instead.
 */
public final class IotWebClientBuilders {

    /** The bean name of Boot's auto-configured builder. */
    static final String BOOT_BUILDER = "webClientBuilder";

    private static final String CUSTOMIZER = "org.springframework.boot.webclient.WebClientCustomizer";

    private IotWebClientBuilders() {
    }

    /**
     * Boot's prototype builder when the application did not replace it, otherwise a fresh builder with every
     * {@code WebClientCustomizer} bean applied in order. Always a builder nobody else holds.
     */
    public static WebClient.Builder forPlatform(ListableBeanFactory beanFactory) {
        if (beanFactory.containsBean(BOOT_BUILDER) && beanFactory.isPrototype(BOOT_BUILDER)) {
            return beanFactory.getBean(BOOT_BUILDER, WebClient.Builder.class);
        }
        WebClient.Builder builder = WebClient.builder();
        if (ClassUtils.isPresent(CUSTOMIZER, IotWebClientBuilders.class.getClassLoader())) {
            Customizers.apply(beanFactory, builder);
        }
        return builder;
    }

    /** Kept apart so the customizer type is only loaded when spring-boot-webclient is present. */
    private static final class Customizers {

        static void apply(ListableBeanFactory beanFactory, WebClient.Builder builder) {
            beanFactory.getBeanProvider(org.springframework.boot.webclient.WebClientCustomizer.class)
                .orderedStream()
                .forEach((customizer) -> customizer.customize(builder));
        }
    }
}

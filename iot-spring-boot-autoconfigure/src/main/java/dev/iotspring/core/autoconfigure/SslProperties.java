package dev.iotspring.core.autoconfigure;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.config.PropertyChecks;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;

/**
 * {@code iot.<platform>.ssl.*}: the TLS material of a platform's connections, as a Spring Boot SSL bundle named
 * here. Unset, connections use the JVM trust store with hostname verification.
 */
public class SslProperties {

    /**
     * Name of a Spring Boot SSL bundle (spring.ssl.bundle.*) holding the trust (and, for mutual TLS, the key)
     * for the platform's TLS connections. Unset: the JVM trust store with hostname verification.
     */
    private @Nullable String bundle;

    /**
     * The bundle the property names, or {@code null} when it names none.
     * @param bundles Boot's bundles, {@code null} when the application has none
     * @param prefix the keys' prefix, e.g. {@code iot.stellanow.ssl}; a missing bundle fails naming
     * {@code <prefix>.bundle}
     */
    public @Nullable SslBundle resolve(@Nullable SslBundles bundles, String prefix) {
        if (this.bundle == null || this.bundle.isBlank()) {
            return null;
        }
        String example = """
                spring:
                  ssl:
                    bundle:
                      pem:
                        my-platform:
                          truststore:
                            certificate: classpath:ca.pem
                """ + PropertyChecks.yaml(prefix, "bundle: my-platform");
        return PropertyChecks.requireSslBundle(bundles, this.bundle, prefix + ".bundle", example);
    }

    public @Nullable String getBundle() {
        return this.bundle;
    }

    public void setBundle(@Nullable String bundle) {
        this.bundle = bundle;
    }

    @Override
    public String toString() {
        return "Ssl[bundle=" + this.bundle + "]";
    }
}

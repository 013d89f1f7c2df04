package dev.iotspring.test.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a Spring test's application against in-process emulators: for every platform the application enables
 * ({@code iot.<platform>.enabled=true}), the emulator of this module is started before the application's beans
 * connect and the platform is pointed at it; an {@link IotEmulators} bean gives the test what each emulator
 * recorded. The emulators stop with the test's application context (contexts with the same configuration share
 * them, as Spring caches the context).
 *
 * <pre>{@code
 * @SpringBootTest(properties = "iot.stream-sea.enabled=true")
 * @AutoConfigureIotEmulators
 * class PublishingTests {
 *     @Autowired StreamSeaOperations streamSea;
 *     @Autowired IotEmulators emulators;
 *     ...
 * }
 * }</pre>
 *
 * <p>Each platform is pointed at its emulator through its {@code XxxConnectionDetails} bean (where the server
 * is); the emulator's own credentials (StellaNow's account, Astarte's realm key and CA, Spotflow's provisioning
 * token) come as properties of the highest precedence. What the application configures itself (stream-sea's client id and secret, StellaNow's
 * organization and project, Astarte's realm and interfaces, Spotflow's device id) is what the emulators expect.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface AutoConfigureIotEmulators {

}

package dev.iotspring.core.autoconfigure;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iotspring.astarte.AstarteDevice;
import dev.iotspring.astarte.autoconfigure.AstarteAutoConfiguration;
import dev.iotspring.spotflow.autoconfigure.SpotflowAutoConfiguration;
import dev.iotspring.stellanow.autoconfigure.StellaNowAutoConfiguration;
import dev.iotspring.stellmap.autoconfigure.StellMapAutoConfiguration;
import dev.iotspring.streamsea.autoconfigure.StreamSeaAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.condition.ConditionEvaluationReport;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A platform that is not enabled loads none of its libraries: loading a class of a signed jar (Paho, BouncyCastle)
 * verifies the whole jar first, which an application enabling no platform should not pay at startup (issue 12).
 */
class ConditionalOnLibraryTests {

    private static final List<String> PLATFORM_LIBRARIES = List.of("org.eclipse.paho.", "org.bouncycastle.",
            "org.bson.");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class, StellaNowAutoConfiguration.class,
                StreamSeaAutoConfiguration.class, StellMapAutoConfiguration.class, SpotflowAutoConfiguration.class,
                AstarteAutoConfiguration.class));

    @Test
    void noPlatformEnabledLoadsNoPlatformLibrary() {
        RecordingClassLoader classLoader = new RecordingClassLoader();
        this.runner.withClassLoader(classLoader).run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(classLoader.requested)
                .filteredOn((name) -> PLATFORM_LIBRARIES.stream().anyMatch(name::startsWith))
                .isEmpty();
        });
    }

    @Test
    void anEnabledPlatformWithoutItsLibraryBacksOffNamingIt() {
        this.runner.withPropertyValues("iot.astarte.enabled=true")
            .withClassLoader(AbsentLibrary.without("org.bouncycastle"))
            .run((context) -> {
                assertThat(context).hasNotFailed().doesNotHaveBean(AstarteDevice.class);
                ConditionEvaluationReport report = ConditionEvaluationReport
                    .get(context.getSourceApplicationContext().getBeanFactory());
                assertThat(report.getConditionAndOutcomesBySource().get(AstarteAutoConfiguration.class.getName()))
                    .extracting((outcome) -> outcome.getOutcome().getMessage())
                    .contains("@ConditionalOnLibrary did not find required class "
                            + "'org.bouncycastle.pkcs.PKCS10CertificationRequest'");
            });
    }

    @Test
    void anEnabledPlatformsConditionsLoadNoClassOfItsLibrary(@TempDir Path storage) {
        // Astarte needs BouncyCastle only for a CSR, made on the device's own thread when it pairs (never here:
        // nothing listens on port 1); its condition must not load (and verify) the signed jar on the startup thread.
        RecordingClassLoader classLoader = new RecordingClassLoader();
        this.runner.withClassLoader(classLoader)
            .withPropertyValues("iot.astarte.enabled=true", "iot.astarte.realm=test",
                    "iot.astarte.pairing-url=http://127.0.0.1:1/pairing", "iot.astarte.device-id=mT56ik-VWRqYOYveajVUtg",
                    "iot.astarte.credentials-secret=c2VjcmV0", "iot.storage.directory=" + storage,
                    "iot.shutdown.drain-timeout=100ms")
            .run((context) -> {
                assertThat(context).hasNotFailed().hasSingleBean(AstarteDevice.class);
                assertThat(classLoader.requested).noneMatch((name) -> name.startsWith("org.bouncycastle"));
            });
    }

    /** Records every class name the context asks it for. */
    static final class RecordingClassLoader extends ClassLoader {

        final Set<String> requested = ConcurrentHashMap.newKeySet();

        RecordingClassLoader() {
            super(RecordingClassLoader.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            this.requested.add(name);
            return super.loadClass(name, resolve);
        }
    }
}

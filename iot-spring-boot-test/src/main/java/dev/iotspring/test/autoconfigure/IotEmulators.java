package dev.iotspring.test.autoconfigure;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.iotspring.test.astarte.AstarteEmulator;
import dev.iotspring.test.spotflow.SpotflowEmulator;
import dev.iotspring.test.stellanow.StellaNowEmulator;
import dev.iotspring.test.stellmap.StellMapEmulator;
import dev.iotspring.test.streamsea.StreamSeaEmulator;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.util.StringUtils;

/**
 * The emulators {@link AutoConfigureIotEmulators} started for a test's application, one per enabled platform;
 * inject it to see what each one recorded ({@code streamSea().acceptedMessages("readings")},
 * {@code stellaNow().events()}, ...) or to switch its faults on. Asking for a platform the application does not
 * enable fails with a message naming the property.
 */
public final class IotEmulators implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(IotEmulators.class);

    private final Map<String, Object> properties = new LinkedHashMap<>();

    private final Map<String, BeanDefinition> connectionDetails = new LinkedHashMap<>();

    private final List<AutoCloseable> started = new ArrayList<>();

    private @Nullable StreamSeaEmulator streamSea;

    private @Nullable StellMapEmulator stellMap;

    private @Nullable StellaNowEmulator stellaNow;

    private @Nullable AstarteEmulator astarte;

    private @Nullable SpotflowEmulator spotflow;

    private IotEmulators() {
    }

    /** Starts the emulator of every platform {@code environment} enables; closes them all if one fails. */
    static IotEmulators start(Environment environment, ResourceLoader resources) {
        IotEmulators emulators = new IotEmulators();
        try {
            if (enabled(environment, "stream-sea")) {
                emulators.startStreamSea(environment);
            }
            if (enabled(environment, "stellmap")) {
                emulators.startStellMap();
            }
            if (enabled(environment, "stellanow")) {
                emulators.startStellaNow(environment);
            }
            if (enabled(environment, "astarte")) {
                emulators.startAstarte(environment, resources);
            }
            if (enabled(environment, "spotflow")) {
                emulators.startSpotflow(environment);
            }
        }
        catch (RuntimeException ex) {
            emulators.close();
            throw ex;
        }
        return emulators;
    }

    private static boolean enabled(Environment environment, String platform) {
        return environment.getProperty("iot." + platform + ".enabled", Boolean.class, false);
    }

    private void startStreamSea(Environment environment) {
        String clientId = environment.getProperty("iot.stream-sea.client-id", "test-client");
        String secret = environment.getProperty("iot.stream-sea.client-secret", "test-secret");
        StreamSeaEmulator emulator = started(new StreamSeaEmulator().addClient("test", clientId, secret).start());
        this.streamSea = emulator;
        RootBeanDefinition details = connectionDetails("dev.iotspring.streamsea.autoconfigure.StreamSeaConnectionDetails",
                emulator.host(), emulator.port(), emulator.isSecure(), clientId, secret);
        this.connectionDetails.put("streamSeaEmulatorConnectionDetails", details);
    }

    private void startStellMap() {
        StellMapEmulator emulator = started(StellMapEmulator.start());
        this.stellMap = emulator;
        this.connectionDetails.put("stellMapEmulatorConnectionDetails",
                connectionDetails("dev.iotspring.stellmap.autoconfigure.StellMapConnectionDetails",
                        (Object) new String[] { emulator.url() }));
    }

    private void startStellaNow(Environment environment) {
        StellaNowEmulator.Builder builder = StellaNowEmulator.builder();
        String organization = environment.getProperty("iot.stellanow.organization-id");
        String project = environment.getProperty("iot.stellanow.project-id");
        if (StringUtils.hasText(organization)) {
            builder.organizationId(UUID.fromString(organization.trim()));
        }
        if (StringUtils.hasText(project)) {
            builder.projectId(UUID.fromString(project.trim()));
        }
        StellaNowEmulator emulator = started(builder.start());
        this.stellaNow = emulator;
        // The organization, project and the emulator's account as properties; where it listens as a bean.
        emulator.springProperties().forEach((key, value) -> {
            if (!key.endsWith(".enabled") && !key.endsWith(".broker-url") && !key.endsWith(".api-base-url")) {
                this.properties.put(key, value);
            }
        });
        this.connectionDetails.put("stellaNowEmulatorConnectionDetails",
                connectionDetails("dev.iotspring.stellanow.autoconfigure.StellaNowConnectionDetails",
                        emulator.tcpUrl(), emulator.apiBaseUrl()));
    }

    private void startAstarte(Environment environment, ResourceLoader resources) {
        String realm = environment.getProperty("iot.astarte.realm", "test");
        AstarteEmulator emulator = started(AstarteEmulator.builder().realm(realm).start());
        this.astarte = emulator;
        // The device's own interfaces, so the emulator knows what it may send.
        String[] locations = environment.getProperty("iot.astarte.interfaces", String[].class,
                new String[] { "classpath*:astarte/interfaces/*.json" });
        PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver(resources);
        for (String location : locations) {
            emulator.installInterfaces(resolver, location);
        }
        // The realm, its key and the emulator's CA as properties (a device id only if the application has none);
        // where it listens as a bean.
        boolean hasDeviceId = environment.containsProperty("iot.astarte.device-id")
                || environment.containsProperty("iot.astarte.device-id-namespace");
        emulator.springProperties(randomDeviceId()).forEach((key, value) -> {
            boolean applications = key.endsWith(".enabled") || key.endsWith(".pairing-url")
                    || (hasDeviceId && key.endsWith(".device-id"));
            if (!applications) {
                this.properties.put(key, value);
            }
        });
        this.connectionDetails.put("astarteEmulatorConnectionDetails",
                connectionDetails("dev.iotspring.astarte.autoconfigure.AstarteConnectionDetails", emulator.pairingUrl()));
    }

    private void startSpotflow(Environment environment) {
        SpotflowEmulator emulator = started(SpotflowEmulator.builder().autoApprove(true).start());
        this.spotflow = emulator;
        this.properties.put("iot.spotflow.provisioning-token", emulator.provisioningToken());
        this.connectionDetails.put("spotflowEmulatorConnectionDetails",
                connectionDetails("dev.iotspring.spotflow.autoconfigure.SpotflowConnectionDetails", emulator.url(),
                        emulator.mqttPort(), false, emulator.hubHttpPort()));
        if (!environment.containsProperty("iot.spotflow.device-id")) {
            this.properties.put("iot.spotflow.device-id", "test-device");
        }
    }

    /** A bean definition made by the static {@code of(..)} of a platform's ConnectionDetails interface. */
    private static RootBeanDefinition connectionDetails(String type, Object... arguments) {
        RootBeanDefinition definition = new RootBeanDefinition();
        definition.setBeanClassName(type);
        definition.setFactoryMethodName("of");
        for (int i = 0; i < arguments.length; i++) {
            definition.getConstructorArgumentValues().addIndexedArgumentValue(i, arguments[i]);
        }
        return definition;
    }

    private <T extends AutoCloseable> T started(T emulator) {
        this.started.add(emulator);
        logger.info("Started {} for the test's application", emulator.getClass().getSimpleName());
        return emulator;
    }

    private static String randomDeviceId() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    Map<String, Object> properties() {
        return this.properties;
    }

    Map<String, BeanDefinition> connectionDetails() {
        return this.connectionDetails;
    }

    // ---- accessors -----------------------------------------------------------------------------------------

    /** The stream-sea emulator (its client is the application's {@code client-id}/{@code client-secret}). */
    public StreamSeaEmulator streamSea() {
        return require(this.streamSea, "stream-sea");
    }

    public StellMapEmulator stellMap() {
        return require(this.stellMap, "stellmap");
    }

    public StellaNowEmulator stellaNow() {
        return require(this.stellaNow, "stellanow");
    }

    public AstarteEmulator astarte() {
        return require(this.astarte, "astarte");
    }

    public SpotflowEmulator spotflow() {
        return require(this.spotflow, "spotflow");
    }

    /** The platform ids whose emulators run, e.g. {@code [stream-sea, stellmap]}. */
    public List<String> platforms() {
        List<String> platforms = new ArrayList<>();
        if (this.streamSea != null) {
            platforms.add("stream-sea");
        }
        if (this.stellMap != null) {
            platforms.add("stellmap");
        }
        if (this.stellaNow != null) {
            platforms.add("stellanow");
        }
        if (this.astarte != null) {
            platforms.add("astarte");
        }
        if (this.spotflow != null) {
            platforms.add("spotflow");
        }
        return platforms;
    }

    private static <T> T require(@Nullable T emulator, String platform) {
        if (emulator == null) {
            throw new IllegalStateException("No " + platform + " emulator runs: the test's application does not "
                    + "set iot." + platform + ".enabled=true");
        }
        return emulator;
    }

    /** Stops every emulator, the last started first. */
    @Override
    public void close() {
        for (int i = this.started.size() - 1; i >= 0; i--) {
            try {
                this.started.get(i).close();
            }
            catch (Exception ex) {
                logger.warn("Could not stop {}: {}", this.started.get(i).getClass().getSimpleName(), ex.toString());
            }
        }
        this.started.clear();
    }

    @Override
    public String toString() {
        return "IotEmulators" + platforms();
    }
}

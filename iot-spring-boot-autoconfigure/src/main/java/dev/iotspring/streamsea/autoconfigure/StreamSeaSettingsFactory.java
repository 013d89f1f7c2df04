package dev.iotspring.streamsea.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.autoconfigure.OutboundQueueProperties;
import dev.iotspring.core.config.IotConfigurationException;
import dev.iotspring.core.config.PropertyChecks;
import dev.iotspring.core.queue.OutboundQueue;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.streamsea.StreamSeaTemplate;
import dev.iotspring.streamsea.StreamSeaClientSettings;
import dev.iotspring.streamsea.StreamSeaJwtSigner;
import dev.iotspring.streamsea.StreamSeaPublishBatching;
import dev.iotspring.streamsea.StreamSeaTokenSource;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/** Validates {@code iot.stream-sea.*} and turns it into {@link StreamSeaClientSettings}. */
final class StreamSeaSettingsFactory {

    static final String PREFIX = "iot.stream-sea.";

    static final String EXAMPLE = """
            iot:
              stream-sea:
                enabled: true
                remote-host: streams.example.com
                client-id: my-service
                client-secret: ${STREAM_SEA_CLIENT_SECRET}""";

    private static final String JWT_EXAMPLE = """
            iot:
              stream-sea:
                enabled: true
                remote-host: streams.example.com
                client-id: my-service
                jwt:
                  private-key: ${STREAM_SEA_JWT_PRIVATE_KEY}   # PEM, PKCS#8 or PKCS#1
                  ttl: 10m""";

    private StreamSeaSettingsFactory() {
    }

    static StreamSeaClientSettings create(StreamSeaProperties properties, @Nullable SslBundles sslBundles) {
        return builder(properties, new PropertiesStreamSeaConnectionDetails(properties), sslBundles).build();
    }

    /** The validated settings as a builder, for {@code StreamSeaCustomizer} beans to adjust. */
    static StreamSeaClientSettings.Builder builder(StreamSeaProperties properties, StreamSeaConnectionDetails details,
            @Nullable SslBundles sslBundles) {
        String host = PropertyChecks.requireText(details.host(), PREFIX + "remote-host", EXAMPLE);
        String clientId = PropertyChecks.requireText(details.clientId(), PREFIX + "client-id", EXAMPLE);
        Integer port = details.port();
        PropertyChecks.requireState(port == null || (port >= 1 && port <= 65535), PREFIX + "remote-port",
                "must be between 1 and 65535", EXAMPLE);
        StreamSeaProperties.Jwt jwt = properties.getJwt();
        boolean hasToken = StringUtils.hasText(jwt.getToken());
        boolean hasKey = StringUtils.hasText(jwt.getPrivateKey());
        PropertyChecks.requireState(!(hasToken && hasKey), PREFIX + "jwt.private-key",
                "set either jwt.token or jwt.private-key, not both", JWT_EXAMPLE);
        if (!hasToken && !hasKey) {
            PropertyChecks.requireText(details.clientSecret(), PREFIX + "client-secret", EXAMPLE);
        }
        properties.getReconnect().validate(PREFIX + "reconnect");
        positive(properties.getConnectTimeout(), "connect-timeout");
        positive(properties.getRequestTimeout(), "request-timeout");
        positive(properties.getAuthTimeout(), "auth-timeout");
        PropertyChecks.requireState(!properties.getIdleTimeout().isNegative(), PREFIX + "idle-timeout",
                "must not be negative (0 disables it)", EXAMPLE);
        long frame = properties.getMaxFrameSize().toBytes();
        PropertyChecks.requireState(frame >= 65536 && frame <= Integer.MAX_VALUE, PREFIX + "max-frame-size",
                "must be between 64KB and 2GB", EXAMPLE);

        StreamSeaTokenSource tokens = null;
        if (hasToken) {
            tokens = StreamSeaTokenSource.fixed(jwt.getToken().trim());
        }
        else if (hasKey) {
            positive(jwt.getTtl(), "jwt.ttl");
            tokens = signer(jwt);
        }
        return StreamSeaClientSettings.builder(host.trim(), clientId.trim())
            .port(port)
            .secure(details.secure())
            .clientSecret(StringUtils.hasText(details.clientSecret()) ? details.clientSecret() : null)
            .tokenSource(tokens)
            .connectTimeout(properties.getConnectTimeout())
            .requestTimeout(properties.getRequestTimeout())
            .authTimeout(properties.getAuthTimeout())
            .idleTimeout(properties.getIdleTimeout())
            .reconnect(properties.getReconnect().toBackoff())
            .maxFrameSize((int) frame)
            .compressRequests(properties.isCompressRequests())
            .sslBundle(properties.getSsl().resolve(sslBundles, PREFIX + "ssl"));
    }

    /** The publish queue of {@code iot.stream-sea.queue.*}, validated. */
    static OutboundQueue queue(StreamSeaProperties.Queue queue, @Nullable IotStores stores, Duration drainTimeout) {
        queue.validate(PREFIX + "queue");
        OutboundQueueProperties.requireDrainTimeout(drainTimeout);
        return queue.createQueue(stores, StreamSeaTemplate.PLATFORM, "publish", PREFIX + "queue");
    }

    /** {@code iot.stream-sea.batch.*}, validated; {@code null} when batching is off. */
    static @Nullable StreamSeaPublishBatching batching(StreamSeaProperties properties) {
        StreamSeaProperties.Batch batch = properties.getBatch();
        if (!batch.isEnabled()) {
            return null;
        }
        properties.getQueue().validate(PREFIX + "queue");
        String example = PropertyChecks.yaml(PREFIX + "batch", "enabled: true", "max-size: 100", "max-wait: 5ms");
        PropertyChecks.requireState(batch.getMaxSize() >= 1 && batch.getMaxSize() <= StreamSeaPublishBatching.MAX_SIZE_LIMIT,
                PREFIX + "batch.max-size", "must be between 1 and " + StreamSeaPublishBatching.MAX_SIZE_LIMIT, example);
        PropertyChecks.requireState(batch.getMaxWait() != null && !batch.getMaxWait().isNegative(),
                PREFIX + "batch.max-wait", "must not be negative (0 sends at once)", example);
        return new StreamSeaPublishBatching(batch.getMaxSize(), batch.getMaxWait(),
                properties.getQueue().getInFlight());
    }

    private static StreamSeaTokenSource signer(StreamSeaProperties.Jwt jwt) {
        if (!ClassUtils.isPresent("org.bouncycastle.openssl.PEMParser", StreamSeaSettingsFactory.class.getClassLoader())) {
            throw new IotConfigurationException(PREFIX + "jwt.private-key",
                    "reading a PEM key needs org.bouncycastle:bcpkix-jdk18on on the classpath", JWT_EXAMPLE);
        }
        try {
            return StreamSeaJwtSigner.fromPem(jwt.getPrivateKey(), jwt.getTtl(), jwt.isMustFanout());
        }
        catch (IllegalArgumentException ex) {
            // The message names the problem, never the key material.
            throw new IotConfigurationException(PREFIX + "jwt.private-key", ex.getMessage(), JWT_EXAMPLE);
        }
    }

    private static void positive(Duration value, String property) {
        PropertyChecks.requirePositive(value, PREFIX + property, EXAMPLE);
    }
}

package dev.iotspring.test.mqtt;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.PublishAuthorizer;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.SubscriptionAuthorizer;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerOutput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerOutput;
import com.hivemq.extension.sdk.api.client.parameter.ClientTlsInformation;
import com.hivemq.extension.sdk.api.interceptor.puback.PubackOutboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.pubrec.PubrecOutboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.connect.ConnectPacket;
import com.hivemq.extension.sdk.api.packets.general.MqttVersion;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import org.jspecify.annotations.Nullable;

/**
 * The embedded HiveMQ extension behind {@link EmbeddedMqttBroker}: authentication, topic authorization,
 * recording and held acknowledgements, all delegating to the shared {@link BrokerState}.
 */
final class RecordingExtension implements ExtensionMain {

    /** Upper bound for a withheld acknowledgement; after it HiveMQ acknowledges anyway. */
    private static final Duration MAX_HOLD = Duration.ofHours(1);

    private final BrokerState state;

    RecordingExtension(BrokerState state) {
        this.state = state;
    }

    @Override
    public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
        // Services are static in HiveMQ: capture this broker's client service while it is the one starting.
        this.state.clientService = Services.clientService();
        this.state.publishService = Services.publishService();
        Authenticator authenticator = new Authenticator();
        Authorizer authorizer = new Authorizer();
        Services.securityRegistry().setAuthenticatorProvider(in -> authenticator);
        Services.securityRegistry().setAuthorizerProvider(in -> authorizer);
        PublishInboundInterceptor recorder = new PublishRecorder();
        // Acknowledgements are held on the way out, so the broker keeps reading (and recording) later publishes.
        PubackOutboundInterceptor pubackHolder = (in, out) -> state.holdIfAsked(() -> out.async(MAX_HOLD));
        PubrecOutboundInterceptor pubrecHolder = (in, out) -> state.holdIfAsked(() -> out.async(MAX_HOLD));
        Services.initializerRegistry().setClientInitializer((in, context) -> {
            context.addPublishInboundInterceptor(recorder);
            context.addPubackOutboundInterceptor(pubackHolder);
            context.addPubrecOutboundInterceptor(pubrecHolder);
        });
    }

    @Override
    public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
    }

    private static int protocolLevel(MqttVersion version) {
        return switch (version) {
            case V_3_1 -> 3;
            case V_3_1_1 -> 4;
            case V_5 -> 5;
        };
    }

    private final class Authenticator implements SimpleAuthenticator {

        @Override
        public void onConnect(SimpleAuthInput input, SimpleAuthOutput output) {
            ConnectPacket packet = input.getConnectPacket();
            @Nullable X509Certificate certificate = input.getConnectionInformation()
                .getClientTlsInformation()
                .flatMap(ClientTlsInformation::getClientCertificate)
                .orElse(null);
            MqttConnectInfo info = new MqttConnectInfo(packet.getClientId(), packet.getUserName().orElse(null),
                    EmbeddedMqttBroker.bytes(packet.getPassword().orElse(null)), packet.getCleanStart(),
                    packet.getKeepAlive(), protocolLevel(packet.getMqttVersion()), certificate,
                    input.getConnectionInformation().getClientTlsInformation().isPresent()
                            || input.getConnectionInformation().getTlsInformation().isPresent(),
                    Instant.now());
            MqttAuthenticator.Decision decision;
            if (Instant.now().isBefore(state.refuseUntil)) {
                decision = MqttAuthenticator.Decision.reject(MqttAuthenticator.Decision.Refusal.SERVER_UNAVAILABLE);
            }
            else {
                try {
                    decision = state.authenticator.authenticate(info);
                }
                catch (RuntimeException ex) {
                    decision = MqttAuthenticator.Decision.reject(MqttAuthenticator.Decision.Refusal.SERVER_UNAVAILABLE);
                }
            }
            state.recordConnect(new RecordedConnect(info, decision));
            if (decision.accepted()) {
                output.authenticateSuccessfully();
            }
            else {
                output.failAuthentication(switch (decision.refusal()) {
                    case IDENTIFIER_REJECTED -> ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID;
                    case BAD_USERNAME_OR_PASSWORD -> ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD;
                    case NOT_AUTHORIZED -> ConnackReasonCode.NOT_AUTHORIZED;
                    default -> ConnackReasonCode.SERVER_UNAVAILABLE;
                });
            }
        }
    }

    private final class Authorizer implements PublishAuthorizer, SubscriptionAuthorizer {

        @Override
        public void authorizePublish(PublishAuthorizerInput input, PublishAuthorizerOutput output) {
            if (allowed(input.getClientInformation().getClientId(), MqttTopicAuthorizer.Action.PUBLISH,
                    input.getPublishPacket().getTopic())) {
                output.authorizeSuccessfully();
            }
            else {
                output.failAuthorization();
            }
        }

        @Override
        public void authorizeSubscribe(SubscriptionAuthorizerInput input, SubscriptionAuthorizerOutput output) {
            if (allowed(input.getClientInformation().getClientId(), MqttTopicAuthorizer.Action.SUBSCRIBE,
                    input.getSubscription().getTopicFilter())) {
                output.authorizeSuccessfully();
            }
            else {
                output.failAuthorization();
            }
        }

        private boolean allowed(String clientId, MqttTopicAuthorizer.Action action, String topic) {
            MqttConnectInfo client = state.client(clientId);
            if (client == null) {
                return false;
            }
            try {
                return state.authorizer.authorize(client, action, topic);
            }
            catch (RuntimeException ex) {
                return false;
            }
        }
    }

    private final class PublishRecorder implements PublishInboundInterceptor {

        @Override
        public void onInboundPublish(PublishInboundInput input, PublishInboundOutput output) {
            if (!state.recordPublishes && state.publishListeners.isEmpty()) {
                return;
            }
            PublishPacket packet = input.getPublishPacket();
            byte[] payload = EmbeddedMqttBroker.bytes(packet.getPayload().orElse(null));
            state.recordPublish(new RecordedPublish(input.getClientInformation().getClientId(), packet.getTopic(),
                    packet.getQos().getQosNumber(), packet.getRetain(), packet.getDupFlag(),
                    (payload != null) ? payload : new byte[0], Instant.now()));
        }
    }
}

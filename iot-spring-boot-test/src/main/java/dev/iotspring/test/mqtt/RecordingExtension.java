package dev.iotspring.test.mqtt;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

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
import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.subscribe.SubscribeInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.unsubscribe.UnsubscribeInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.connect.ConnectPacket;
import com.hivemq.extension.sdk.api.packets.general.MqttVersion;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.hivemq.extension.sdk.api.packets.subscribe.Subscription;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import org.jspecify.annotations.Nullable;

/**
 * The embedded HiveMQ extension behind {@link EmbeddedMqttBroker}: authentication, topic authorization,
 * recording (CONNECT, SUBSCRIBE, UNSUBSCRIBE, PUBLISH), publish listeners and held acknowledgements, all delegating to the
 * shared {@link BrokerState}.
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
        SubscribeInboundInterceptor subscribes = (in, out) -> state.recordSubscribe(new RecordedSubscribe(
                in.getClientInformation().getClientId(),
                in.getSubscribePacket().getSubscriptions().stream().map(Subscription::getTopicFilter).toList(),
                in.getSubscribePacket().getSubscriptions().stream().map(s -> s.getQos().getQosNumber()).toList(),
                Instant.now()));
        UnsubscribeInboundInterceptor unsubscribes = (in, out) -> state.recordUnsubscribe(new RecordedUnsubscribe(
                in.getClientInformation().getClientId(), in.getUnsubscribePacket().getTopicFilters(), Instant.now()));
        Services.initializerRegistry().setClientInitializer((in, context) -> {
            // Packet ids of this client's publishes picked by the hold filter, until their acknowledgement leaves.
            Set<Integer> selected = ConcurrentHashMap.newKeySet();
            // Acknowledgements are held on the way out, so the broker keeps reading (and recording) later publishes.
            context.addPublishInboundInterceptor(new PublishRecorder(selected));
            context.addPubackOutboundInterceptor((pin, pout) -> state.holdIfAsked(
                    selected.remove(pin.getPubackPacket().getPacketIdentifier()), () -> pout.async(MAX_HOLD)));
            context.addPubrecOutboundInterceptor((pin, pout) -> state.holdIfAsked(
                    selected.remove(pin.getPubrecPacket().getPacketIdentifier()), () -> pout.async(MAX_HOLD)));
            context.addSubscribeInboundInterceptor(subscribes);
            context.addUnsubscribeInboundInterceptor(unsubscribes);
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

        private final Set<Integer> selected;

        PublishRecorder(Set<Integer> selected) {
            this.selected = selected;
        }

        @Override
        public void onInboundPublish(PublishInboundInput input, PublishInboundOutput output) {
            if (!state.recordPublishes && state.publishListeners.isEmpty() && state.holdFilter == null) {
                return;
            }
            PublishPacket packet = input.getPublishPacket();
            byte[] payload = EmbeddedMqttBroker.bytes(packet.getPayload().orElse(null));
            RecordedPublish publish = new RecordedPublish(input.getClientInformation().getClientId(),
                    packet.getTopic(), packet.getQos().getQosNumber(), packet.getRetain(), packet.getDupFlag(),
                    (payload != null) ? payload : new byte[0], Instant.now());
            if (state.selectedForHolding(publish)) {
                this.selected.add(packet.getPacketId());
            }
            state.recordPublish(publish);
            for (Consumer<RecordedPublish> listener : state.publishListeners) {
                listener.accept(publish);
            }
        }
    }
}

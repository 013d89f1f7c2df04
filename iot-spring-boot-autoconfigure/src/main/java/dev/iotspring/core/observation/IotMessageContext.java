package dev.iotspring.core.observation;

import java.util.Objects;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * What an observation of one message knows: the platform, where the message goes or came from, its id where the
 * platform has one, and (once the observation stops) its outcome. The counterpart of spring-kafka's
 * {@code KafkaRecordSenderContext}; it carries no headers because the platforms' payloads are fixed byte for byte,
 * so there is nowhere to propagate a trace into.
 */
public class IotMessageContext extends Observation.Context {

    private final String platform;

    private final String destinationKind;

    private final String destination;

    private @Nullable String messageId;

    private IotOutcome outcome = IotOutcome.SUCCESS;

    /**
     * @param platform platform id ({@code stellanow}, {@code streamsea}, ...)
     * @param destinationKind what the destination names ({@code event-type}, {@code stream}, {@code interface}, ...)
     * @param destination the destination itself (high cardinality)
     * @param messageId the message's id, where the platform has one
     */
    public IotMessageContext(String platform, String destinationKind, String destination,
            @Nullable String messageId) {
        this.platform = Objects.requireNonNull(platform, "platform");
        this.destinationKind = Objects.requireNonNull(destinationKind, "destinationKind");
        this.destination = Objects.requireNonNull(destination, "destination");
        this.messageId = messageId;
    }

    public String getPlatform() {
        return this.platform;
    }

    public String getDestinationKind() {
        return this.destinationKind;
    }

    public String getDestination() {
        return this.destination;
    }

    public @Nullable String getMessageId() {
        return this.messageId;
    }

    public void setMessageId(@Nullable String messageId) {
        this.messageId = messageId;
    }

    public IotOutcome getOutcome() {
        return this.outcome;
    }

    public void setOutcome(IotOutcome outcome) {
        this.outcome = Objects.requireNonNull(outcome, "outcome");
    }
}

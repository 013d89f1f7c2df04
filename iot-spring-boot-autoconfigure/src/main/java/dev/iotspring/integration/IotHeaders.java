package dev.iotspring.integration;

/**
 * Message header names the adapters of this package read (outbound) and write (inbound). Every name starts with
 * {@code iot_} and the platform id, as Spring Integration's own adapters prefix theirs ({@code mqtt_},
 * {@code kafka_}). Outbound, a header wins over a fixed value given to the handler ({@code .stream("readings")}),
 * and is not read when the handler was given a function for that field ({@code .stream(m -> ...)}); a header of the
 * wrong type fails the send with an {@link IllegalArgumentException} naming it.
 */
public final class IotHeaders {

    /** Common prefix of every header of this class. */
    public static final String PREFIX = "iot_";

    // ---- StellaNow (outbound) -------------------------------------------------------------------------------

    /** {@code String}: the event type ({@code eventTypeDefinitionId}), e.g. {@code store_receipt}. */
    public static final String STELLANOW_EVENT_TYPE = PREFIX + "stellanow_eventType";

    /**
     * The entities the event is about, the first being its key: a {@code List<EntityRef>}, one
     * {@code EntityRef}, or a {@code Map<String, String>} of entity type to entity id in iteration order (use a
     * {@code LinkedHashMap}).
     */
    public static final String STELLANOW_ENTITIES = PREFIX + "stellanow_entities";

    /** {@code Instant}: when the event happened; the time the message is built when absent. */
    public static final String STELLANOW_ORIGIN_DATE = PREFIX + "stellanow_originDate";

    // ---- stream-sea ------------------------------------------------------------------------------------------

    /** {@code String}: the stream published to (outbound) or delivered from (inbound). */
    public static final String STREAMSEA_STREAM = PREFIX + "streamsea_stream";

    /** {@code UUID} (inbound): the consumer group of the subscription; absent for the default group and fan-out. */
    public static final String STREAMSEA_GROUP = PREFIX + "streamsea_group";

    // ---- Astarte ---------------------------------------------------------------------------------------------

    /** {@code String}: the interface name, e.g. {@code org.example.Sensors}. */
    public static final String ASTARTE_INTERFACE = PREFIX + "astarte_interface";

    /** {@code String}: the concrete path, e.g. {@code /room1/temperature} (an object aggregate's common prefix). */
    public static final String ASTARTE_PATH = PREFIX + "astarte_path";

    /**
     * {@code Instant}: outbound, the explicit timestamp of a mapping with {@code explicit_timestamp: true};
     * inbound, the timestamp Astarte sent with the value, when it sent one.
     */
    public static final String ASTARTE_TIMESTAMP = PREFIX + "astarte_timestamp";

    /** {@code Boolean} (outbound): set a device property ({@code AstarteDevice.setProperty}) instead of sending. */
    public static final String ASTARTE_PROPERTY = PREFIX + "astarte_property";

    /** {@code Boolean} (inbound): Astarte unset the property; the payload is then {@link AstarteUnset#INSTANCE}. */
    public static final String ASTARTE_UNSET = PREFIX + "astarte_unset";

    // ---- Spotflow (outbound) ---------------------------------------------------------------------------------

    /** {@code String}: the stream group; with {@link #SPOTFLOW_STREAM} unset, that group's default stream. */
    public static final String SPOTFLOW_STREAM_GROUP = PREFIX + "spotflow_streamGroup";

    /** {@code String}: the stream. */
    public static final String SPOTFLOW_STREAM = PREFIX + "spotflow_stream";

    /** {@code String}: the batch id. */
    public static final String SPOTFLOW_BATCH_ID = PREFIX + "spotflow_batchId";

    /** {@code String}: the batch slice id. */
    public static final String SPOTFLOW_BATCH_SLICE_ID = PREFIX + "spotflow_batchSliceId";

    /** {@code String}: the message id (of a message sent in chunks). */
    public static final String SPOTFLOW_MESSAGE_ID = PREFIX + "spotflow_messageId";

    /** {@code String}: the chunk id. */
    public static final String SPOTFLOW_CHUNK_ID = PREFIX + "spotflow_chunkId";

    // ---- StellMap (inbound) ----------------------------------------------------------------------------------

    /** {@code WatchEvent.Type}: snapshot, upsert or delete. */
    public static final String STELLMAP_EVENT_TYPE = PREFIX + "stellmap_eventType";

    /** {@code Long}: the server's revision of the change. */
    public static final String STELLMAP_REVISION = PREFIX + "stellmap_revision";

    /** {@code String}: the service of an upsert or delete (of a single-service snapshot); absent otherwise. */
    public static final String STELLMAP_SERVICE = PREFIX + "stellmap_service";

    /** {@code String}: the instance of an upsert or delete; absent for a snapshot. */
    public static final String STELLMAP_INSTANCE_ID = PREFIX + "stellmap_instanceId";

    private IotHeaders() {
    }
}

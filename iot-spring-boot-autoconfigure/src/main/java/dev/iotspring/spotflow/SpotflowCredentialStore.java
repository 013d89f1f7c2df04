package dev.iotspring.spotflow;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import dev.iotspring.core.store.JdbcKeyValueStore;

/**
 * The device's identity and tokens in the {@code spotflow} store. The provisioning token itself is not stored, only
 * its SHA-256, which is all the startup decision needs. Unlike the reference SDK, the registration token's real
 * expiry and its refresh-by time are two values, so a device that was off past the refresh time still reuses a
 * token that is valid.
 */
final class SpotflowCredentialStore {

    static final String PT_HASH = "credentials.pt-sha256";

    static final String REQUESTED_DEVICE_ID = "credentials.requested-device-id";

    static final String RT = "credentials.rt";

    static final String RT_EXPIRES = "credentials.rt-expires-at";

    static final String RT_REFRESH_BY = "credentials.rt-refresh-by";

    static final String HUB_HOST = "credentials.hub-host";

    static final String HUB_DEVICE_ID = "credentials.hub-device-id";

    static final String SAS = "credentials.sas";

    static final String SAS_EXPIRES = "credentials.sas-expires-at";

    /** No requested device id: a value that no device id can be (ids are not empty). */
    private static final String NONE = "";

    /** Waits for the store the first time (it opens beside the application's startup). */
    private final Supplier<JdbcKeyValueStore> opened;

    SpotflowCredentialStore(Supplier<JdbcKeyValueStore> store) {
        this.opened = Objects.requireNonNull(store, "store");
    }

    /** What a start may reuse; null fields are unknown. */
    record Stored(@Nullable String ptHash, @Nullable String requestedDeviceId, boolean hasRequestRecord,
            @Nullable String registrationToken, @Nullable Instant rtExpires, @Nullable Instant rtRefreshBy,
            @Nullable String hubHost, @Nullable String hubDeviceId, @Nullable String sas,
            @Nullable Instant sasExpires) {

        /** Same provisioning token and requested device id, and a registration token not known to be expired. */
        boolean reusableFor(String provisioningToken, @Nullable String deviceId, Instant now) {
            return this.registrationToken != null && this.hasRequestRecord
                    && hash(provisioningToken).equals(this.ptHash)
                    && Objects.equals(deviceId, this.requestedDeviceId)
                    && (this.rtExpires == null || this.rtExpires.isAfter(now));
        }

        boolean hasConnection() {
            return this.hubHost != null && this.hubDeviceId != null && this.sas != null;
        }

        @Override
        public String toString() {
            return "Stored[hub=" + this.hubHost + ", device=" + this.hubDeviceId + "]";
        }
    }

    Stored load() {
        Map<String, String> all = this.opened.get().listStrings("credentials.");
        String requested = all.get(REQUESTED_DEVICE_ID);
        return new Stored(all.get(PT_HASH), (requested == null || requested.equals(NONE)) ? null : requested,
                requested != null, all.get(RT), instant(all.get(RT_EXPIRES)), instant(all.get(RT_REFRESH_BY)),
                all.get(HUB_HOST), all.get(HUB_DEVICE_ID), all.get(SAS), instant(all.get(SAS_EXPIRES)));
    }

    /** A new registration token from provisioning: the identity it was issued for, in one transaction. */
    void saveProvisioned(String provisioningToken, @Nullable String requestedDeviceId, SpotflowApi.RegistrationToken rt) {
        Map<String, byte[]> values = new LinkedHashMap<>();
        put(values, PT_HASH, hash(provisioningToken));
        put(values, REQUESTED_DEVICE_ID, (requestedDeviceId != null) ? requestedDeviceId : NONE);
        put(values, RT, rt.token());
        this.opened.get().putAll(values);
        if (rt.expiration() != null) {
            this.opened.get().putString(RT_EXPIRES, rt.expiration().toString());
        }
        else {
            this.opened.get().delete(RT_EXPIRES);
        }
        this.opened.get().delete(RT_REFRESH_BY);
    }

    /** A refreshed registration token. */
    void saveRefreshed(SpotflowApi.RegistrationToken rt, @Nullable Instant refreshBy) {
        Map<String, byte[]> values = new LinkedHashMap<>();
        put(values, RT, rt.token());
        if (refreshBy != null) {
            put(values, RT_REFRESH_BY, refreshBy.toString());
        }
        if (rt.expiration() != null) {
            put(values, RT_EXPIRES, rt.expiration().toString());
        }
        this.opened.get().putAll(values);
        if (refreshBy == null) {
            this.opened.get().delete(RT_REFRESH_BY);
        }
    }

    void saveRegistration(SpotflowApi.Registration registration, Instant rtExpires, Instant rtRefreshBy) {
        Map<String, byte[]> values = new LinkedHashMap<>();
        put(values, HUB_HOST, registration.hubHostName());
        put(values, HUB_DEVICE_ID, registration.hubDeviceId());
        put(values, SAS, registration.sasToken());
        put(values, SAS_EXPIRES, registration.sasExpiration().toString());
        put(values, RT_EXPIRES, rtExpires.toString());
        put(values, RT_REFRESH_BY, rtRefreshBy.toString());
        this.opened.get().putAll(values);
    }

    static String hash(String provisioningToken) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(provisioningToken.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static void put(Map<String, byte[]> values, String key, String value) {
        values.put(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static @Nullable Instant instant(@Nullable String value) {
        return (value != null) ? Instant.parse(value) : null;
    }
}

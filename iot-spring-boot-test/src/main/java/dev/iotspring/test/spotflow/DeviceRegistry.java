package dev.iotspring.test.spotflow;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Provisioned devices and their credentials: the current registration token of each device and every SAS token
 * issued by {@code register}. Shared by the HTTP API (issuing) and the hub side (checking a CONNECT's password).
 * A new registration token (from {@code complete} or {@code refresh}) invalidates the device's previous one, as
 * the platform does for {@code complete} (spec §2; for {@code refresh} the emulator is equally strict). A SAS
 * token stays valid until it expires, as IoT Hub's signatures do, unless a test revokes it.
 */
final class DeviceRegistry {

    static final String API_VERSION = "2018-06-30";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Clock clock;

    private final String workspaceId;

    private final String hubHostName;

    private volatile @Nullable Duration registrationTokenLifetime;

    private volatile Duration sasLifetime;

    private final Map<String, Device> devices = new LinkedHashMap<>();

    private final Map<String, Device> byRegistrationToken = new HashMap<>();

    private final Map<String, SasGrant> sasTokens = new HashMap<>();

    DeviceRegistry(Clock clock, String workspaceId, String hubHostName, @Nullable Duration registrationTokenLifetime,
            Duration sasLifetime) {
        this.clock = clock;
        this.workspaceId = workspaceId;
        this.hubHostName = hubHostName;
        this.registrationTokenLifetime = registrationTokenLifetime;
        this.sasLifetime = sasLifetime;
    }

    String workspaceId() {
        return this.workspaceId;
    }

    String hubHostName() {
        return this.hubHostName;
    }

    void registrationTokenLifetime(@Nullable Duration lifetime) {
        this.registrationTokenLifetime = lifetime;
    }

    void sasLifetime(Duration lifetime) {
        this.sasLifetime = lifetime;
    }

    /** {@code <workspaceId>:<deviceId>}, the IoT Hub device id (MQTT client id). */
    String hubDeviceId(String deviceId) {
        return this.workspaceId + ":" + deviceId;
    }

    /** The MQTT user name a device must send. */
    String expectedUsername(String hubDeviceId) {
        return this.hubHostName + "/" + hubDeviceId + "/?api-version=" + API_VERSION;
    }

    /** The device id of a hub device id of this workspace, or null. */
    synchronized @Nullable String deviceIdOf(String hubDeviceId) {
        String prefix = this.workspaceId + ":";
        if (!hubDeviceId.startsWith(prefix)) {
            return null;
        }
        String deviceId = hubDeviceId.substring(prefix.length());
        return this.devices.containsKey(deviceId) ? deviceId : null;
    }

    synchronized List<String> deviceIds() {
        return List.copyOf(this.devices.keySet());
    }

    /** Issues a new registration token for the device (creating it), invalidating its previous one. */
    synchronized IssuedToken issueRegistrationToken(String deviceId) {
        Device device = this.devices.computeIfAbsent(deviceId, Device::new);
        if (device.registrationToken != null) {
            this.byRegistrationToken.remove(device.registrationToken);
        }
        Duration lifetime = this.registrationTokenLifetime;
        device.registrationToken = "rt-" + randomToken(32);
        device.registrationTokenExpiry = (lifetime != null) ? this.clock.instant().plus(lifetime) : null;
        this.byRegistrationToken.put(device.registrationToken, device);
        return new IssuedToken(device.registrationToken, device.registrationTokenExpiry);
    }

    /** {@code refresh}: the current, unexpired token of a device, exchanged for a new one. */
    synchronized IssuedToken refresh(String registrationToken) {
        return issueRegistrationToken(requireValid(registrationToken).deviceId);
    }

    /** {@code register}: a new SAS token for the device of a current, unexpired registration token. */
    synchronized Registration register(String registrationToken) {
        Device device = requireValid(registrationToken);
        Instant now = this.clock.instant();
        Instant expiry = now.plus(this.sasLifetime);
        String hubDeviceId = hubDeviceId(device.deviceId);
        String resource = this.hubHostName + "/devices/" + hubDeviceId;
        String sas = "SharedAccessSignature sr=" + PropertyBag.encode(resource) + "&sig="
                + PropertyBag.encode(Base64.getEncoder().encodeToString(randomBytes(32))) + "&se="
                + expiry.getEpochSecond();
        this.sasTokens.put(sas, new SasGrant(device.deviceId, expiry));
        Instant rtExpiry = device.registrationTokenExpiry;
        Duration remaining = (rtExpiry != null) ? Duration.between(now, rtExpiry) : Duration.ofDays(3650);
        String connectionString = "HostName=" + this.hubHostName + ";DeviceId=" + hubDeviceId
                + ";SharedAccessSignature=" + sas;
        return new Registration(device.deviceId, connectionString, this.hubHostName, sas, expiry, remaining);
    }

    /** Whether {@code password} is a SAS token issued to this device, and still valid. */
    synchronized SasCheck checkSas(String deviceId, @Nullable String password) {
        SasGrant grant = (password != null) ? this.sasTokens.get(password) : null;
        if (grant == null || !grant.deviceId.equals(deviceId)) {
            return SasCheck.WRONG;
        }
        return grant.expiry.isAfter(this.clock.instant()) ? SasCheck.VALID : SasCheck.EXPIRED;
    }

    /** Time left until a SAS token expires (zero or negative once expired, or when unknown). */
    synchronized Duration sasTimeLeft(String sas) {
        SasGrant grant = this.sasTokens.get(sas);
        return (grant != null) ? Duration.between(this.clock.instant(), grant.expiry) : Duration.ZERO;
    }

    /** Makes every SAS token of the device expire now. */
    synchronized void expireSas(String deviceId) {
        Instant now = this.clock.instant();
        this.sasTokens.replaceAll((token, grant) -> grant.deviceId.equals(deviceId) ? new SasGrant(deviceId, now)
                : grant);
    }

    /** Invalidates the device's registration token (register and refresh then answer 401). */
    synchronized void revokeRegistrationToken(String deviceId) {
        Device device = this.devices.get(deviceId);
        if (device != null && device.registrationToken != null) {
            this.byRegistrationToken.remove(device.registrationToken);
            device.registrationToken = null;
        }
    }

    synchronized @Nullable String registrationToken(String deviceId) {
        Device device = this.devices.get(deviceId);
        return (device != null) ? device.registrationToken : null;
    }

    private Device requireValid(String registrationToken) {
        Device device = this.byRegistrationToken.get(registrationToken);
        if (device == null) {
            throw ProblemException.unauthorized("The registration token is not valid (unknown or superseded)");
        }
        Instant expiry = device.registrationTokenExpiry;
        if (expiry != null && !expiry.isAfter(this.clock.instant())) {
            throw ProblemException.unauthorized("The registration token expired at " + expiry);
        }
        return device;
    }

    static String randomToken(int bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(bytes));
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** A registration token and its expiry (null: none). */
    record IssuedToken(String token, @Nullable Instant expiration) {
    }

    /** What {@code register} hands out. */
    record Registration(String deviceId, String connectionString, String hubHostName, String sas,
            Instant sasExpiration, Duration registrationTokenRemaining) {
    }

    /** Outcome of checking a CONNECT password. */
    enum SasCheck {

        VALID, EXPIRED, WRONG
    }

    private record SasGrant(String deviceId, Instant expiry) {
    }

    private static final class Device {

        final String deviceId;

        @Nullable String registrationToken;

        @Nullable Instant registrationTokenExpiry;

        Device(String deviceId) {
            this.deviceId = deviceId;
        }
    }
}

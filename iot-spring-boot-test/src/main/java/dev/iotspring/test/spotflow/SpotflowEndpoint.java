package dev.iotspring.test.spotflow;

import org.jspecify.annotations.Nullable;

/** The four device endpoints of the Spotflow HTTP API (spec §2), for fault switches and recordings. */
public enum SpotflowEndpoint {

    /** {@code POST /provisioning-operations/init}, provisioning token. */
    INIT("POST", "/provisioning-operations/init"),

    /** {@code PUT /provisioning-operations/complete}, provisioning token. */
    COMPLETE("PUT", "/provisioning-operations/complete"),

    /** {@code PUT /devices/register}, registration token. */
    REGISTER("PUT", "/devices/register"),

    /** {@code PUT /devices/registration-tokens/refresh}, provisioning token. */
    REFRESH("PUT", "/devices/registration-tokens/refresh");

    private final String method;

    private final String path;

    SpotflowEndpoint(String method, String path) {
        this.method = method;
        this.path = path;
    }

    public String method() {
        return this.method;
    }

    public String path() {
        return this.path;
    }

    /** The endpoint at {@code path}, or {@code null}. */
    static @Nullable SpotflowEndpoint forPath(String path) {
        for (SpotflowEndpoint endpoint : values()) {
            if (endpoint.path.equals(path)) {
                return endpoint;
            }
        }
        return null;
    }
}

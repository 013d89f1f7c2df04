package dev.iotspring.test.astarte;

import tools.jackson.databind.JsonNode;

/**
 * What the emulator needs to know of an interface installed in the realm (spec §11.1): whether it holds
 * properties, and who owns it.
 */
record InstalledInterface(String name, int major, int minor, boolean properties, boolean serverOwned) {

    static InstalledInterface parse(JsonNode json) {
        String name = json.path("interface_name").asString("");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("Interface without interface_name");
        }
        String type = json.path("type").asString("");
        if (!type.equals("properties") && !type.equals("datastream")) {
            throw new IllegalArgumentException("Interface " + name + ": type must be properties or datastream");
        }
        // "quality" is the legacy name of "ownership".
        String ownership = json.path("ownership").asString(json.path("quality").asString(""));
        if (!ownership.equals("device") && !ownership.equals("server")) {
            throw new IllegalArgumentException("Interface " + name + ": ownership must be device or server");
        }
        return new InstalledInterface(name, json.path("version_major").asInt(0), json.path("version_minor").asInt(0),
                type.equals("properties"), ownership.equals("server"));
    }
}

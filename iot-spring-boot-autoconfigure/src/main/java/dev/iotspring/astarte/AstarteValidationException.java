package dev.iotspring.astarte;

import dev.iotspring.core.config.IotValidationException;

/**
 * A value, path or call that Astarte would refuse (and answer by disconnecting the device and wiping its
 * session), found before anything was queued or sent. The message names the interface, the path and the rule;
 * the field is {@code interface/path}.
 */
public class AstarteValidationException extends IotValidationException {

    private final String interfaceName;

    private final String path;

    private final String rule;

    public AstarteValidationException(String interfaceName, String path, String rule) {
        super(interfaceName + path, rule);
        this.interfaceName = interfaceName;
        this.path = path;
        this.rule = rule;
    }

    @Override
    public String getMessage() {
        return "Astarte interface " + this.interfaceName + ", path " + this.path + ": " + this.rule;
    }

    public String getInterfaceName() {
        return this.interfaceName;
    }

    public String getPath() {
        return this.path;
    }

    /** What was wrong, e.g. "integer must be between -2147483647 and 2147483647 but was -2147483648". */
    public String getRule() {
        return this.rule;
    }
}

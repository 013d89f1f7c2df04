package dev.iotspring.core.config;

/**
 * A configuration property is missing or invalid. Reported at startup by
 * {@link IotConfigurationFailureAnalyzer} with the property name, the problem and an example.
 * The value itself is never part of the message, so a secret cannot leak through it.
 */
public class IotConfigurationException extends RuntimeException {

    private final String property;

    private final String problem;

    private final String example;

    public IotConfigurationException(String property, String problem, String example) {
        super("Invalid configuration of '" + property + "': " + problem);
        this.property = property;
        this.problem = problem;
        this.example = example;
    }

    /** Fails with a message that names a required property and shows an example value. */
    public static IotConfigurationException missing(String property, String example) {
        return new IotConfigurationException(property, "the property is required when the platform is enabled",
                example);
    }

    public String getProperty() {
        return this.property;
    }

    public String getProblem() {
        return this.problem;
    }

    /** An {@code application.yml} fragment that would be valid. */
    public String getExample() {
        return this.example;
    }
}

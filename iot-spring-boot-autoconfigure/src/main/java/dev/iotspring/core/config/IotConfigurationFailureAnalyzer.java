package dev.iotspring.core.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns an {@link IotConfigurationException} into Boot's "APPLICATION FAILED TO START" block. */
class IotConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<IotConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, IotConfigurationException cause) {
        String description = "The property '" + cause.getProperty() + "' is not usable: " + cause.getProblem() + ".";
        String action = "Set '" + cause.getProperty() + "' in your configuration, for example in application.yml:"
                + System.lineSeparator() + System.lineSeparator() + cause.getExample();
        return new FailureAnalysis(description, action, cause);
    }
}

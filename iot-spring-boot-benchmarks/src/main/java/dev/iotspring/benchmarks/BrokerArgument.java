package dev.iotspring.benchmarks;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * The {@code --broker=mqtt://host:1883} argument of the alternating mains: both sides of the MQTT pairs then run
 * against that broker (a Mosquitto, as a user would have) instead of the embedded one. It may stand anywhere.
 */
record BrokerArgument(@Nullable String url, String[] rest) {

    private static final String PREFIX = "--broker=";

    static BrokerArgument parse(String[] args) {
        String url = Arrays.stream(args).filter((a) -> a.startsWith(PREFIX)).map((a) -> a.substring(PREFIX.length()))
            .findFirst().orElse(null);
        return new BrokerArgument(url, Arrays.stream(args).filter((a) -> !a.startsWith(PREFIX)).toArray(String[]::new));
    }
}

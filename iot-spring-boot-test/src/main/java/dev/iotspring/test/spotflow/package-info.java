/**
 * An in-process Spotflow IoT Platform (generation A of {@code specs/spotflow.md}): the device provisioning and
 * registration HTTP API and an Azure-IoT-Hub-like MQTT side on the embedded broker. Start with
 * {@link dev.iotspring.test.spotflow.SpotflowEmulator}.
 */
@NullMarked
package dev.iotspring.test.spotflow;

import org.jspecify.annotations.NullMarked;

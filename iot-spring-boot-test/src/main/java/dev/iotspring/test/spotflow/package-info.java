/**
 * An in-process Spotflow IoT Platform (generation A of {@code specs/spotflow.md}) for tests and the sample.
 *
 * <ul>
 * <li>{@link dev.iotspring.test.spotflow.SpotflowEmulator}: the façade and its builder. The device HTTP API
 * ({@link dev.iotspring.test.spotflow.SpotflowEndpoint}: init, complete, register, refresh) with approval
 * control and fault switches, operator calls, IoT Hub file upload, and an IoT-Hub-like MQTT side on its own
 * {@link dev.iotspring.test.mqtt.EmbeddedMqttBroker}.</li>
 * <li>Recordings: {@link dev.iotspring.test.spotflow.RecordedHttpRequest} (with the status answered),
 * {@link dev.iotspring.test.spotflow.ProvisioningOperation}, {@link dev.iotspring.test.spotflow.StreamMessage}
 * (decoded property bag, uploaded and Brotli-decoded body, every difference from the reference SDK's bytes),
 * {@link dev.iotspring.test.spotflow.TwinRequest} and {@link dev.iotspring.test.spotflow.TwinDocument}.</li>
 * <li>{@link dev.iotspring.test.spotflow.PropertyBag}: the SDK's property-bag encoding, for assertions.</li>
 * </ul>
 */
@NullMarked
package dev.iotspring.test.spotflow;

import org.jspecify.annotations.NullMarked;

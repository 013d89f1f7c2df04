/**
 * Delivery: a {@link dev.iotspring.core.delivery.Dispatcher} per platform moves messages from its queue to a
 * {@link dev.iotspring.core.delivery.MessageSender} (an MQTT connection, an HTTP client) and removes them on the
 * broker's acknowledgement only.
 *
 * <p>A platform typically declares: a queue bean, a sender, a {@code Dispatcher} bean (a {@code SmartLifecycle}
 * at phase {@code IotLifecyclePhases.DELIVERY}, started and drained by Spring), a
 * {@link dev.iotspring.core.observe.DeliveryMetrics} bean when Micrometer is present, and a health indicator
 * that adds {@link dev.iotspring.core.observe.IotHealthDetails#delivery}. Its template calls
 * {@code dispatcher.sendAsync(message)} and its connection listener calls {@code dispatcher.wakeUp()}.
 */
package dev.iotspring.core.delivery;

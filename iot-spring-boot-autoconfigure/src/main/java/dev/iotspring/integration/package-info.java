/**
 * Spring Integration channel adapters over the platforms' beans: outbound {@code MessageHandler}s for StellaNow,
 * stream-sea, Astarte and Spotflow, inbound message-driven channel adapters for stream-sea subscriptions, Astarte
 * server data and StellMap watches, the header names they read and write ({@link dev.iotspring.integration.IotHeaders})
 * and Java DSL entry points ({@link dev.iotspring.integration.IotIntegration}).
 *
 * <p>Usable only with {@code spring-integration-core} on the classpath (an optional dependency: nothing here is
 * loaded otherwise). The adapters are thin: they send through the same beans the application injects, so the
 * queue, order and acknowledgement of each platform hold, and they open no connection of their own.
 */
package dev.iotspring.integration;

/**
 * Test support: an embedded MQTT broker, a test certificate authority, in-process emulators of the five
 * platforms and JUnit 5 extensions that start them and hand their URLs to Spring.
 */
package dev.iotspring.test;

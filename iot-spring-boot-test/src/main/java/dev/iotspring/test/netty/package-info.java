/**
 * {@link dev.iotspring.test.netty.IsolatedLoopHttpServer}: in-process HTTP servers for emulators that survive a
 * test's Spring context disposing Reactor Netty's global resources.
 */
@NullMarked
package dev.iotspring.test.netty;

import org.jspecify.annotations.NullMarked;

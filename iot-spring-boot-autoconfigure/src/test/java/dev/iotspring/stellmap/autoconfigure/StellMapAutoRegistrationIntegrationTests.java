package dev.iotspring.stellmap.autoconfigure;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import dev.iotspring.core.autoconfigure.IotCoreAutoConfiguration;
import dev.iotspring.stellmap.cloud.StellMapAutoServiceRegistration;
import dev.iotspring.stellmap.cloud.StellMapRegistration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.discovery.EnableDiscoveryClient;
import org.springframework.cloud.client.discovery.event.InstancePreRegisteredEvent;
import org.springframework.cloud.client.discovery.event.InstanceRegisteredEvent;
import org.springframework.cloud.client.serviceregistry.AutoServiceRegistration;
import org.springframework.cloud.client.serviceregistry.AutoServiceRegistrationAutoConfiguration;
import org.springframework.cloud.client.serviceregistry.Registration;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;
import org.springframework.cloud.client.serviceregistry.ServiceRegistryAutoConfiguration;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import dev.iotspring.core.lifecycle.IotLifecyclePhases;
import dev.iotspring.stellmap.StellMapAutoRegistration;
import dev.iotspring.test.stellmap.RecordedRequest;
import dev.iotspring.test.stellmap.StellMapEmulator;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.cloud.client.discovery.event.HeartbeatEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real application with a reactive web server on a random port registering itself in the emulator: body,
 * cadence, re-registration, shutdown order, health, meters, and {@code lb://} through the discovery client; and
 * StellMap as a Spring Cloud service registry (one registration whatever Spring Cloud adds,
 * {@code /actuator/serviceregistry}, its switches). spring-cloud-commons publishes no test kit for registries, so
 * these drive its own endpoint and auto-configurations.
 */
class StellMapAutoRegistrationIntegrationTests {

    private static final String REGISTER = "/api/v1/registry/register";

    private static final String HEARTBEAT = "/api/v1/registry/heartbeat";

    private static final String DEREGISTER = "/api/v1/registry/deregister";

    private static final String SERVICE = "acme.retail.cart.cart-svc.api";

    static StellMapEmulator stellmap;

    private ConfigurableApplicationContext context;

    @BeforeAll
    static void startEmulator() {
        stellmap = StellMapEmulator.builder().cleanupInterval(Duration.ofMillis(200)).start();
    }

    @AfterAll
    static void stopEmulator() {
        stellmap.close();
    }

    @BeforeEach
    void clear() {
        stellmap.clearRequests();
        stellmap.onRequest(null);
    }

    @AfterEach
    void closeContext() {
        if (this.context != null) {
            this.context.close();
        }
    }

    private ConfigurableApplicationContext start(String... extra) {
        List<String> properties = new ArrayList<>(List.of("server.port=0", "spring.application.name=cart-svc",
                "iot.stellmap.enabled=true", "iot.stellmap.server-url=" + stellmap.url(),
                "iot.stellmap.namespace=staging", "iot.stellmap.organization=acme",
                "iot.stellmap.business-domain=retail", "iot.stellmap.capability-domain=cart",
                "iot.stellmap.application=cart-svc", "iot.stellmap.role=api", "iot.stellmap.host=127.0.0.1",
                "iot.stellmap.lease-ttl=3s", "iot.stellmap.zone=eu-1a", "iot.stellmap.labels.lane=blue",
                "spring.main.banner-mode=off", "spring.reactor.netty.shutdown-quiet-period=0s"));
        properties.addAll(List.of(extra));
        this.context = new SpringApplicationBuilder(App.class).web(WebApplicationType.REACTIVE)
            .properties(properties.toArray(String[]::new)).run();
        return this.context;
    }

    private int port() {
        return Integer.parseInt(this.context.getEnvironment().getProperty("local.server.port"));
    }

    @Test
    void registersWithTheWebServersPortRenewsTheLeaseAndIsDiscoverable() {
        start();
        int port = port();
        String id = "cart-svc-127.0.0.1-" + port;
        await().atMost(Duration.ofSeconds(30)).until(() -> stellmap.instance("staging", SERVICE, id).isPresent());
        long registeredAt = stellmap.instance("staging", SERVICE, id).get().registeredAtUnix();
        // Heartbeats keep the 3 s lease alive past its first expiry (the emulator purges every 200 ms); the
        // cadence itself (ttl/3) is checked in virtual time by StellMapHeartbeatCadenceTests.
        await().atMost(Duration.ofSeconds(30)).until(() -> stellmap.instance("staging", SERVICE, id)
            .filter((i) -> i.lastHeartbeatUnix() > registeredAt + 3).isPresent());
        assertThat(stellmap.requests(REGISTER)).hasSize(1);
        assertThat(stellmap.requests(HEARTBEAT)).hasSizeGreaterThanOrEqualTo(3);

        RecordedRequest register = stellmap.requests(REGISTER).get(0);
        assertThat(register.bodyKeys()).containsExactly("namespace", "service", "instanceId", "zone", "labels",
                "endpoints", "leaseTtlSeconds");
        assertThat(register.json().get("service").asString()).isEqualTo(SERVICE);
        assertThat(register.json().get("instanceId").asString()).isEqualTo(id);
        assertThat(register.json().get("leaseTtlSeconds").asLong()).isEqualTo(3);
        assertThat(register.json().get("endpoints").get(0).get("port").asInt()).isEqualTo(port);
        assertThat(stellmap.requests(HEARTBEAT).get(0).bodyKeys()).containsExactly("namespace", "service",
                "instanceId", "leaseTtlSeconds");

        Health health = this.context.getBean(StellMapHealthIndicator.class).health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("registered", true).containsEntry("connected", true)
            .containsKeys("lastHeartbeat", "leaseRemaining").containsEntry("service", SERVICE);
        MeterRegistry meters = this.context.getBean(MeterRegistry.class);
        assertThat(meters.get("iot.heartbeats").tag("platform", "stellmap").tag("outcome", "success").functionCounter()
            .count()).isGreaterThanOrEqualTo(3);
        assertThat(meters.get("iot.stellmap.watch.skipped").tag("platform", "stellmap").functionCounter().count())
            .isZero();

        // lb://<service> through Spring Cloud LoadBalancer, the StellMap ReactiveDiscoveryClient and its cache.
        WebClient client = this.context.getBean("loadBalanced", WebClient.Builder.class).build();
        String answer = client.get().uri("lb://" + SERVICE + "/hello").retrieve().bodyToMono(String.class)
            .block(Duration.ofSeconds(30));
        assertThat(answer).isEqualTo("hello from cart-svc");
        org.springframework.cloud.client.discovery.DiscoveryClient discovery = this.context
            .getBean(org.springframework.cloud.client.discovery.DiscoveryClient.class);
        assertThat(discovery.getServices()).contains(SERVICE);
        assertThat(discovery.getInstances(SERVICE)).singleElement().satisfies((instance) -> {
            assertThat(instance.getPort()).isEqualTo(port());
            assertThat(instance.getMetadata()).containsEntry("zone", "eu-1a").containsEntry("lane", "blue");
        });
        // The cache change was announced to Spring Cloud listeners (e.g. Gateway's route locator).
        await().atMost(Duration.ofSeconds(30)).until(() -> !this.context.getBean(HeartbeatRecorder.class).revisions.isEmpty());
    }

    @Test
    void registersAgainAfterTheServerForgotItAndDeregistersBeforeTheWebServerStops() throws Exception {
        start();
        int port = port();
        String id = "cart-svc-127.0.0.1-" + port;
        await().atMost(Duration.ofSeconds(30)).until(() -> stellmap.instance("staging", SERVICE, id).isPresent());
        await().atMost(Duration.ofSeconds(30)).until(() -> stellmap.requests(HEARTBEAT).size() >= 1);

        stellmap.forget("staging", SERVICE, id);
        await().atMost(Duration.ofSeconds(30)).until(() -> stellmap.requests(REGISTER).size() == 2);
        int heartbeatsAfter = stellmap.requests(HEARTBEAT).size();
        await().atMost(Duration.ofSeconds(30)).until(() -> stellmap.requests(HEARTBEAT).size() > heartbeatsAfter);
        assertThat(stellmap.instance("staging", SERVICE, id)).isPresent();
        StellMapAutoRegistration registration = this.context.getBean(StellMapAutoRegistration.class);
        assertThat(registration.reregistrations()).isEqualTo(1);
        assertThat(this.context.getBean(MeterRegistry.class).get("iot.heartbeats").tag("outcome", "reregistered")
            .functionCounter().count()).isEqualTo(1);

        HttpClient http = HttpClient.newHttpClient();
        URI hello = URI.create("http://127.0.0.1:" + port + "/hello");
        List<Integer> statusAtDeregistration = new CopyOnWriteArrayList<>();
        stellmap.onRequest((request) -> {
            if (request.path().equals(DEREGISTER)) {
                try {
                    statusAtDeregistration.add(http.send(HttpRequest.newBuilder(hello).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode());
                }
                catch (Exception ex) {
                    statusAtDeregistration.add(-1);
                }
            }
        });
        DrainProbe probe = this.context.getBean(DrainProbe.class);

        this.context.close();

        assertThat(statusAtDeregistration).containsExactly(200);
        assertThat(probe.deregistrationsSeenAtDrain.get()).isEqualTo(1);
        assertThat(stellmap.instance("staging", SERVICE, id)).isEmpty();
        assertThat(stellmap.requests(DEREGISTER).get(0).bodyKeys()).containsExactly("namespace", "service",
                "instanceId");
        // And the web server is gone afterwards: the order is proven, not just the deregistration.
        org.assertj.core.api.Assertions.assertThatExceptionOfType(ConnectException.class)
            .isThrownBy(() -> http.send(HttpRequest.newBuilder(hello).build(), HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void anApplicationWithoutWebServerRegistersWhenReadyAndRetriesWhileTheRegistryFails() {
        stellmap.failNextWrites(1);
        List<String> properties = List.of("spring.application.name=batch", "iot.stellmap.enabled=true",
                "iot.stellmap.server-url=" + stellmap.url(), "iot.stellmap.namespace=staging",
                "iot.stellmap.host=10.9.8.7", "iot.stellmap.port=9000", "iot.stellmap.lease-ttl=3s",
                "spring.main.banner-mode=off");
        // The start does not wait for StellMap: the first registration fails and is retried a heartbeat later.
        this.context = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
            .properties(properties.toArray(String[]::new)).run();
        await().atMost(Duration.ofSeconds(30))
            .until(() -> stellmap.instance("staging", "batch", "batch-10.9.8.7-9000").isPresent());
        assertThat(stellmap.requests(REGISTER)).hasSize(2);
        assertThat(stellmap.instance("staging", "batch", "batch-10.9.8.7-9000").get().endpoints().get(0).port())
            .isEqualTo(9000);
        // The server stores the instance before the client has read its answer: wait for the client's view.
        StellMapHealthIndicator indicator = this.context.getBean(StellMapHealthIndicator.class);
        await().atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> assertThat(indicator.health().getDetails()).containsEntry("registered", true)
                .doesNotContainKey("lastError"));

        // A direct stop() (not the context's async stop) returns once the deregistration is through.
        this.context.getBean(StellMapAutoRegistration.class).stop();
        assertThat(stellmap.instance("staging", "batch", "batch-10.9.8.7-9000")).isEmpty();
        assertThat(this.context.getBean(StellMapAutoRegistration.class).isRunning()).isFalse();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {

        @Bean
        RouterFunction<ServerResponse> hello() {
            return RouterFunctions.route().GET("/hello", (request) -> ServerResponse.ok()
                .body(Mono.just("hello from cart-svc"), String.class)).build();
        }

        @Bean
        @LoadBalanced
        WebClient.Builder loadBalanced() {
            return WebClient.builder();
        }

        @Bean
        DrainProbe drainProbe() {
            return new DrainProbe();
        }

        @Bean
        HeartbeatRecorder heartbeatRecorder() {
            return new HeartbeatRecorder();
        }

        @Bean
        RegistrationEvents registrationEvents() {
            return new RegistrationEvents();
        }
    }

    @Test
    void theActuatorEndpointTakesTheOneRegistrationOutOfServiceAndBack() {
        start("management.endpoints.web.exposure.include=serviceregistry");
        int port = port();
        String id = "cart-svc-127.0.0.1-" + port;
        await().atMost(Duration.ofSeconds(30)).until(() -> stellmap.instance("staging", SERVICE, id).isPresent());

        // Spring Cloud sees the lifecycle's registration: one bean of each kind, one REGISTER sent.
        assertThat(this.context.getBean(AutoServiceRegistration.class))
            .isInstanceOf(StellMapAutoServiceRegistration.class);
        assertThat(this.context.getBean(ServiceRegistry.class)).isNotNull();
        Registration registration = this.context.getBean(Registration.class);
        assertThat(registration.getServiceId()).isEqualTo(SERVICE);
        assertThat(registration.getInstanceId()).isEqualTo(id);
        assertThat(registration.getHost()).isEqualTo("127.0.0.1");
        assertThat(registration.getPort()).isEqualTo(port);
        assertThat(registration.getUri()).hasToString("http://127.0.0.1:" + port);
        assertThat(registration.getMetadata()).containsEntry("lane", "blue");
        assertThat(stellmap.requests(REGISTER)).hasSize(1);
        assertThat(this.context.getBean(RegistrationEvents.class).received).hasExactlyElementsOfTypes(
                InstancePreRegisteredEvent.class, InstanceRegisteredEvent.class);

        WebTestClient actuator = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port + "/actuator")
            .responseTimeout(Duration.ofSeconds(30)).build();
        actuator.get().uri("/serviceregistry").exchange().expectStatus().isOk().expectBody(String.class)
            .isEqualTo("UP");

        actuator.post().uri("/serviceregistry").contentType(MediaType.APPLICATION_JSON)
            .bodyValue(Map.of("status", "OUT_OF_SERVICE")).exchange().expectStatus().isOk();
        assertThat(stellmap.instance("staging", SERVICE, id)).isEmpty();
        assertThat(stellmap.requests(DEREGISTER)).hasSize(1);
        actuator.get().uri("/serviceregistry").exchange().expectBody(String.class).isEqualTo("OUT_OF_SERVICE");

        actuator.post().uri("/serviceregistry").contentType(MediaType.APPLICATION_JSON)
            .bodyValue(Map.of("status", "UP")).exchange().expectStatus().isOk();
        await().atMost(Duration.ofSeconds(30)).until(() -> stellmap.instance("staging", SERVICE, id).isPresent());
        assertThat(stellmap.requests(REGISTER)).hasSize(2);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> actuator.get().uri("/serviceregistry").exchange()
            .expectBody(String.class).isEqualTo("UP"));

        // Shutdown: the lifecycle deregisters first, once; Spring Cloud's own destroy adds nothing.
        this.context.close();
        this.context = null;
        assertThat(stellmap.requests(DEREGISTER)).hasSize(2);
        assertThat(stellmap.instance("staging", SERVICE, id)).isEmpty();
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(IotCoreAutoConfiguration.class, StellMapAutoConfiguration.class,
                StellMapServiceRegistryAutoConfiguration.class, AutoServiceRegistrationAutoConfiguration.class,
                ServiceRegistryAutoConfiguration.class))
        .withPropertyValues("iot.stellmap.enabled=true", "iot.stellmap.server-url=" + stellmap.url(),
                "iot.stellmap.namespace=staging", "iot.stellmap.service=" + SERVICE, "iot.stellmap.host=127.0.0.1");

    @Test
    void springCloudsSwitchesTurnTheRegistrationOff() {
        this.runner.run((context) -> assertThat(context).hasSingleBean(StellMapAutoRegistration.class)
            .hasSingleBean(StellMapRegistration.class)
            .hasSingleBean(ServiceRegistry.class)
            .hasSingleBean(StellMapAutoServiceRegistration.class));
        this.runner.withPropertyValues("spring.cloud.service-registry.auto-registration.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean(StellMapAutoRegistration.class)
                .doesNotHaveBean(ServiceRegistry.class)
                .doesNotHaveBean(AutoServiceRegistration.class));
        this.runner.withUserConfiguration(NoAutoRegister.class)
            .run((context) -> assertThat(context).doesNotHaveBean(StellMapAutoRegistration.class)
                .doesNotHaveBean(AutoServiceRegistration.class));
        // The registry without Spring Cloud's auto-registration: the lifecycle still registers, Spring Cloud's
        // endpoint can still set its status.
        this.runner.withPropertyValues("spring.cloud.service-registry.enabled=false")
            .run((context) -> assertThat(context).hasSingleBean(StellMapAutoRegistration.class)
                .doesNotHaveBean(ServiceRegistry.class));
        // Spring Cloud's fail-fast finds the StellMap auto-registration.
        this.runner.withPropertyValues("spring.cloud.service-registry.auto-registration.fail-fast=true")
            .run((context) -> assertThat(context).hasNotFailed());
    }

    @Configuration(proxyBeanMethods = false)
    @EnableDiscoveryClient(autoRegister = false)
    static class NoAutoRegister {

    }

    /** Spring Cloud's registration events, as a registry's users listen to them. */
    static class RegistrationEvents implements ApplicationListener<ApplicationEvent> {

        final List<ApplicationEvent> received = new CopyOnWriteArrayList<>();

        @Override
        public void onApplicationEvent(ApplicationEvent event) {
            if (event instanceof InstancePreRegisteredEvent || event instanceof InstanceRegisteredEvent) {
                this.received.add(event);
            }
        }
    }

    static class HeartbeatRecorder implements ApplicationListener<HeartbeatEvent> {

        final List<Object> revisions = new CopyOnWriteArrayList<>();

        @Override
        public void onApplicationEvent(HeartbeatEvent event) {
            this.revisions.add(event.getValue());
        }
    }

    /** Stands for a queue drainer: records what StellMap had seen when the DELIVERY phase stopped. */
    static class DrainProbe implements SmartLifecycle {

        final AtomicInteger deregistrationsSeenAtDrain = new AtomicInteger(-1);

        private volatile boolean running;

        @Override
        public void start() {
            this.running = true;
        }

        @Override
        public void stop() {
            this.deregistrationsSeenAtDrain.set(stellmap.requests(DEREGISTER).size());
            this.running = false;
        }

        @Override
        public boolean isRunning() {
            return this.running;
        }

        @Override
        public int getPhase() {
            return IotLifecyclePhases.DELIVERY;
        }
    }

}

package dev.iotspring.stellmap;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.iotspring.core.config.IotValidationException;
import dev.iotspring.test.stellmap.RecordedRequest;
import dev.iotspring.test.stellmap.StellMapEmulator;

import static dev.iotspring.stellmap.TestRegistries.NAMESPACE;
import static dev.iotspring.stellmap.TestRegistries.SERVICE;
import static dev.iotspring.stellmap.TestRegistries.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Register, heartbeat, deregister and query over real HTTP against emulator nodes. */
class StellMapRegistryTests {

    static StellMapEmulator leader;

    static StellMapEmulator follower;

    StellMapHttpRegistry registry;

    @BeforeAll
    static void startNodes() {
        leader = StellMapEmulator.builder().nodeId(1).start();
        follower = StellMapEmulator.builder().nodeId(2).start();
    }

    @AfterAll
    static void stopNodes() {
        leader.close();
        follower.close();
    }

    @BeforeEach
    void reset() {
        leader.leader();
        follower.followerOf(leader);
        leader.clearRequests();
        follower.clearRequests();
        leader.instances().forEach((i) -> leader.forget(i.namespace(), i.service(), i.instanceId()));
    }

    @AfterEach
    void close() {
        if (this.registry != null) {
            this.registry.close();
        }
    }

    @Test
    void registrationSendsOnlyTheAllowedCamelCaseKeysWithTheTtlInSeconds() {
        this.registry = TestRegistries.registry(leader.url());
        this.registry.register(instance("cart-1", 8080));

        RecordedRequest sent = leader.requests("/api/v1/registry/register").get(0);
        assertThat(sent.headers().get("content-type")).startsWith("application/json");
        assertThat(sent.bodyKeys()).containsExactly("namespace", "service", "instanceId", "zone", "labels", "metadata",
                "endpoints", "leaseTtlSeconds");
        JsonNode body = sent.json();
        assertThat(body.get("leaseTtlSeconds").asLong()).isEqualTo(20);
        assertThat(body.get("endpoints").get(0).propertyNames()).containsExactly("name", "protocol", "host", "port",
                "weight");
        assertThat(body.get("endpoints").get(1).propertyNames()).containsExactly("name", "protocol", "host", "port",
                "path");
        assertThat(leader.instance(NAMESPACE, SERVICE, "cart-1")).hasValueSatisfying((i) -> {
            assertThat(i.leaseTtlSeconds()).isEqualTo(20);
            assertThat(i.endpoints().get(1).weight()).isEqualTo(100);
        });
    }

    @Test
    void repeatedRegistrationIsHarmlessAndHeartbeatAndDeregisterUseTheIdentityOnly() {
        this.registry = TestRegistries.registry(leader.url());
        RegisterRequest request = instance("cart-1", 8080);
        this.registry.register(request);
        this.registry.register(request);
        this.registry.heartbeat(request.heartbeat());
        assertThat(this.registry.queryInstances(InstanceQuery.of(NAMESPACE, SERVICE))).hasSize(1);
        assertThat(leader.requests("/api/v1/registry/heartbeat").get(0).bodyKeys())
            .containsExactly("namespace", "service", "instanceId", "leaseTtlSeconds");

        this.registry.deregister(request.identity());
        this.registry.deregister(request.identity());
        assertThat(leader.requests("/api/v1/registry/deregister").get(0).bodyKeys())
            .containsExactly("namespace", "service", "instanceId");
        assertThat(this.registry.queryInstances(InstanceQuery.of(NAMESPACE, SERVICE))).isEmpty();
    }

    @Test
    void heartbeatForAnUnknownInstanceIsNotFound() {
        this.registry = TestRegistries.registry(leader.url());
        assertThatExceptionOfType(StellMapNotFoundException.class)
            .isThrownBy(() -> this.registry.heartbeat(instance("ghost", 8080).heartbeat()))
            .satisfies((ex) -> assertThat(ex.getStatus()).isEqualTo(404));
    }

    @Test
    void serverErrorCodesBecomeTypedExceptions() {
        this.registry = TestRegistries.registry(leader.url());
        leader.failNextWrites(1);
        assertThatExceptionOfType(StellMapException.class)
            .isThrownBy(() -> this.registry.register(instance("cart-1", 8080)))
            .satisfies((ex) -> {
                assertThat(ex.getCode()).isEqualTo("propose_failed");
                assertThat(ex.getStatus()).isEqualTo(500);
            });
        leader.noLeader();
        assertThatExceptionOfType(StellMapNotLeaderException.class)
            .isThrownBy(() -> this.registry.register(instance("cart-1", 8080)))
            .satisfies((ex) -> assertThat(ex.getLeaderAddr()).isNull());
    }

    @Test
    void writesToAFollowerAreRetriedAtTheLeaderWhichIsRememberedForLaterWrites() {
        this.registry = TestRegistries.registry(follower.url());
        RegisterRequest request = instance("cart-1", 8080);
        this.registry.register(request);
        this.registry.heartbeat(request.heartbeat());

        assertThat(follower.requests("/api/v1/registry/register")).hasSize(1);
        assertThat(follower.requests("/api/v1/registry/heartbeat")).isEmpty();
        assertThat(leader.requests("/api/v1/registry/register")).hasSize(1);
        assertThat(leader.requests("/api/v1/registry/heartbeat")).hasSize(1);
        assertThat(leader.instance(NAMESPACE, SERVICE, "cart-1")).isPresent();
        // Reads are served by any node: the follower answers queries itself.
        assertThat(this.registry.queryInstances(InstanceQuery.of(NAMESPACE, SERVICE))).isEmpty();
        assertThat(follower.requests("/api/v1/registry/instances")).hasSize(1);
    }

    @Test
    void anUnreachableNodeIsSkippedForReadsAndWrites() {
        StellMapEmulator gone = StellMapEmulator.start();
        String deadUrl = gone.url();
        gone.close();
        this.registry = TestRegistries.registry(deadUrl, leader.url());
        this.registry.register(instance("cart-1", 8080));
        assertThat(this.registry.queryInstances(InstanceQuery.of(NAMESPACE, SERVICE))).hasSize(1);
        assertThat(this.registry.isConnected()).isTrue();
    }

    @Test
    void invalidArgumentsAreThrownAtOnceNamingTheFieldAndNothingIsSent() {
        this.registry = TestRegistries.registry(leader.url());
        assertThatExceptionOfType(IotValidationException.class)
            .isThrownBy(() -> new DeregisterRequest(NAMESPACE, "a/b", "x"))
            .isInstanceOf(IllegalArgumentException.class)
            .isInstanceOf(StellMapValidationException.class)
            .withMessageContaining("'/'")
            .satisfies((ex) -> assertThat(ex.getField()).isEqualTo("service"));
        assertThatExceptionOfType(IotValidationException.class).isThrownBy(() -> InstanceQuery.of("team/a", SERVICE))
            .satisfies((ex) -> assertThat(ex.getField()).isEqualTo("namespace"));
        assertThatExceptionOfType(IotValidationException.class).isThrownBy(() -> instanceWithId("cart 1"))
            .satisfies((ex) -> assertThat(ex.getField()).isEqualTo("instanceId"));
        assertThatExceptionOfType(IotValidationException.class)
            .isThrownBy(() -> new HeartbeatRequest(NAMESPACE, SERVICE, "cart-1", Duration.ofMillis(500)))
            .satisfies((ex) -> assertThat(ex.getField()).isEqualTo("leaseTtl"));
        assertThatExceptionOfType(IotValidationException.class)
            .isThrownBy(() -> this.registry.cachedInstances("acme/cart"))
            .satisfies((ex) -> assertThat(ex.getField()).isEqualTo("service"));
        assertThatExceptionOfType(IotValidationException.class).isThrownBy(() -> Endpoint.of("http", "h", 70000))
            .satisfies((ex) -> assertThat(ex.getField()).isEqualTo("port"));
        assertThat(leader.requests()).isEmpty();
    }

    @Test
    void theAsyncFormsCompleteWithTheServersAnswer() throws Exception {
        this.registry = TestRegistries.registry(leader.url());
        RegisterRequest request = instance("cart-1", 8080);
        assertThat(this.registry.registerAsync(request).get(30, TimeUnit.SECONDS)).isNull();
        assertThat(leader.instance(NAMESPACE, SERVICE, "cart-1")).isPresent();
        this.registry.heartbeatAsync(request.heartbeat()).get(30, TimeUnit.SECONDS);
        assertThat(leader.requests("/api/v1/registry/heartbeat")).hasSize(1);
        assertThat(this.registry.queryInstancesAsync(InstanceQuery.of(NAMESPACE, SERVICE)).get(30, TimeUnit.SECONDS))
            .extracting(ServiceInstance::instanceId).containsExactly("cart-1");
        assertThat(this.registry.cachedInstancesAsync(SERVICE).get(30, TimeUnit.SECONDS))
            .extracting(ServiceInstance::instanceId).containsExactly("cart-1");
        this.registry.deregisterAsync(request.identity()).get(30, TimeUnit.SECONDS);
        assertThat(leader.instance(NAMESPACE, SERVICE, "cart-1")).isEmpty();
        // A server error fails the future with the typed exception.
        assertThatExceptionOfType(ExecutionException.class)
            .isThrownBy(() -> this.registry.heartbeatAsync(request.heartbeat()).get(30, TimeUnit.SECONDS))
            .withCauseInstanceOf(StellMapNotFoundException.class);
    }

    @Test
    void queryFiltersReachTheServerAsItsSyntax() {
        this.registry = TestRegistries.registry(leader.url());
        this.registry.register(instance("cart-1", 8080));
        this.registry.register(new RegisterRequest(NAMESPACE, SERVICE, "cart-2", "eu-1b", Map.of("lane", "green"),
                Map.of(), List.of(Endpoint.of("grpc", "10.1.2.4", 9090)), null));
        this.registry.register(new RegisterRequest(NAMESPACE, "acme.retail.order.order-svc.api", "order-1", null,
                Map.of(), Map.of(), List.of(Endpoint.of("http", "10.1.2.5", 8080)), null));

        assertThat(ids(InstanceQuery.namespace(NAMESPACE).service(SERVICE)
            .selector(Selector.equal("lane", "blue"), Selector.in("version", "2.4.0", "2.5.0")).build()))
            .containsExactly("cart-1");
        assertThat(ids(InstanceQuery.namespace(NAMESPACE).service(SERVICE).selector(Selector.notIn("lane", "blue"),
                Selector.notExists("version")).build())).containsExactly("cart-2");
        assertThat(ids(InstanceQuery.namespace(NAMESPACE).nameParts("acme", "retail").build()))
            .containsExactly("cart-1", "cart-2", "order-1");
        assertThat(ids(InstanceQuery.namespace(NAMESPACE).servicePrefix("acme.retail.order").build()))
            .containsExactly("order-1");
        assertThat(ids(InstanceQuery.namespace(NAMESPACE).zone("eu-1b").build())).containsExactly("cart-2");
        assertThat(ids(InstanceQuery.namespace(NAMESPACE).limit(2).build())).hasSize(2);
        List<ServiceInstance> http = this.registry.queryInstances(InstanceQuery.namespace(NAMESPACE).service(SERVICE)
            .endpoint("metrics").build());
        assertThat(http).singleElement().satisfies((i) -> {
            assertThat(i.endpoints()).extracting(Endpoint::name).containsExactly("metrics");
            assertThat(i.serviceName()).isEqualTo(ServiceName.parse(SERVICE));
            assertThat(i.labels()).containsEntry("lane", "blue");
            assertThat(i.leaseTtl()).isEqualTo(Duration.ofSeconds(20));
        });
        RecordedRequest query = leader.requests("/api/v1/registry/instances").get(0);
        assertThat(query.queryParam("selector")).isEqualTo("lane=blue,version in (2.4.0,2.5.0)");
    }

    private List<String> ids(InstanceQuery query) {
        return this.registry.queryInstances(query).stream().map(ServiceInstance::instanceId).toList();
    }

    private static RegisterRequest instanceWithId(String id) {
        return new RegisterRequest(NAMESPACE, SERVICE, id, null, Map.of(), Map.of(),
                List.of(Endpoint.of("http", "h", 1)), null);
    }

    @Test
    void serviceNamesComposeAndParse() {
        ServiceName name = ServiceName.compose("acme", "retail", "cart", "cart-svc", "api");
        assertThat(name).hasToString(SERVICE);
        assertThat(ServiceName.parse(" " + SERVICE + " ")).isEqualTo(name);
        assertThat(ServiceName.tryParse("order-service")).isEmpty();
        assertThat(ServiceName.tryParse("a.b..d.e")).isEmpty();
        assertThatIllegalArgumentException().isThrownBy(() -> ServiceName.parse("a.b.c.d.e.f"));
        assertThatIllegalArgumentException().isThrownBy(() -> ServiceName.compose("acme", "re tail", "c", "d", "e"));
        assertThat(Set.of(Selector.exists("canary").toString(), Selector.notEqual("lane", "red").toString()))
            .containsExactlyInAnyOrder("canary", "lane!=red");
        assertThatIllegalArgumentException().isThrownBy(() -> Selector.equal("lane", "a,b"));
    }
}

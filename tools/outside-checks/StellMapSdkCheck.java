import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.stellmap.RegistryWatchListener;
import io.github.stellmap.RegistryWatchSubscription;
import io.github.stellmap.StellMapClient;
import io.github.stellmap.StellMapClientOptions;
import io.github.stellmap.model.DeregisterRequest;
import io.github.stellmap.model.Endpoint;
import io.github.stellmap.model.HeartbeatRequest;
import io.github.stellmap.model.RegisterRequest;
import io.github.stellmap.model.RegistryQueryRequest;
import io.github.stellmap.model.RegistryWatchEvent;
import io.github.stellmap.model.RegistryWatchRequest;

/**
 * The reference StellMap Java SDK (stellhub/stellmap-java-sdk, built from its source, README.md) against a StellMap
 * node: {@code <url>} watches a namespace, registers, heartbeats, queries (by service, by selector), deregisters and
 * prints the watch's events; {@code <url> query <namespace>} prints what the node lists there (the starter's sample,
 * say). Java 21 or newer (the SDK uses virtual threads).
 */
public class StellMapSdkCheck {

    private static final String NAMESPACE = "sdk-check";

    private static final String SERVICE = "acme.billing.pay.api.server";

    public static void main(String[] args) throws Exception {
        try (StellMapClient client = new StellMapClient(StellMapClientOptions.builder().baseUrl(args[0]).build())) {
            if (args.length == 3 && args[1].equals("query")) {
                System.out.println("query of namespace " + args[2] + ": "
                        + client.queryInstances(RegistryQueryRequest.builder().namespace(args[2]).build()));
                return;
            }
            List<String> events = new CopyOnWriteArrayList<>();
            CountDownLatch opened = new CountDownLatch(1);
            CountDownLatch deleted = new CountDownLatch(1);
            RegistryWatchSubscription watch = client.watchDirectory(
                    RegistryWatchRequest.builder().namespace(NAMESPACE).build(), new RegistryWatchListener() {
                        @Override
                        public void onOpen() {
                            opened.countDown();
                        }

                        @Override
                        public void onEvent(RegistryWatchEvent event) {
                            events.add(String.valueOf(event));
                            if ("delete".equals(event.getType())) {
                                deleted.countDown();
                            }
                        }

                        @Override
                        public void onError(Throwable error) {
                            events.add("ERROR " + error);
                        }
                    });
            System.out.println("watch opened: " + opened.await(10, TimeUnit.SECONDS));
            RegisterRequest register = RegisterRequest.builder()
                .namespace(NAMESPACE)
                .service(SERVICE)
                .organization("acme")
                .businessDomain("billing")
                .capabilityDomain("pay")
                .application("api")
                .role("server")
                .instanceId("sdk-1")
                .zone("eu-1a")
                .labels(Map.of("color", "blue"))
                .metadata(Map.of("version", "1.2.3"))
                .endpoints(List.of(Endpoint.builder().name("http").protocol("http").host("10.0.0.7").port(8080).path("/").build()))
                .leaseTtlSeconds(30)
                .build();
            System.out.println("register: " + client.register(register));
            System.out.println("heartbeat: " + client.heartbeat(HeartbeatRequest.builder()
                .namespace(NAMESPACE).service(SERVICE).instanceId("sdk-1").leaseTtlSeconds(30).build()));
            System.out.println("query: " + client.queryInstances(
                    RegistryQueryRequest.builder().namespace(NAMESPACE).service(SERVICE).build()));
            System.out.println("query by selector: " + client.queryInstances(
                    RegistryQueryRequest.builder().namespace(NAMESPACE).selectors(List.of("color=blue")).build()));
            System.out.println("deregister: " + client.deregister(
                    DeregisterRequest.builder().namespace(NAMESPACE).service(SERVICE).instanceId("sdk-1").build()));
            System.out.println("watch saw the delete: " + deleted.await(10, TimeUnit.SECONDS));
            System.out.println("watch events: " + events.size());
            events.forEach((event) -> System.out.println("  " + event));
            watch.close();
        }
    }
}

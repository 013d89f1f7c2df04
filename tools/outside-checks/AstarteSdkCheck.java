import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.j256.ormlite.jdbc.JdbcConnectionSource;
import org.astarteplatform.devicesdk.AstarteDevice;
import org.astarteplatform.devicesdk.AstarteDeviceIdUtils;
import org.astarteplatform.devicesdk.AstarteInterfaceProvider;
import org.astarteplatform.devicesdk.AstarteMessageListener;
import org.astarteplatform.devicesdk.AstartePairingService;
import org.astarteplatform.devicesdk.generic.AstarteGenericDevice;
import org.astarteplatform.devicesdk.protocol.AstarteAggregateDatastreamEvent;
import org.astarteplatform.devicesdk.protocol.AstarteDatastreamEvent;
import org.astarteplatform.devicesdk.protocol.AstarteDeviceDatastreamInterface;
import org.astarteplatform.devicesdk.protocol.AstarteDevicePropertyInterface;
import org.astarteplatform.devicesdk.protocol.AstarteGlobalEventListener;
import org.astarteplatform.devicesdk.protocol.AstartePropertyEvent;
import org.joda.time.DateTime;
import org.json.JSONObject;

/**
 * Astarte's Java device SDK (built from its source, README.md) against an Astarte: registers a new device with the
 * realm's agent token, lets the SDK pair (CSR, certificate) and connect with mutual TLS, sets the two properties of
 * its generic example's {@code AvailableSensors}, streams three {@code Values}, then waits up to {@code wait}
 * seconds for the server to send something (a server-owned {@code SamplingRate} property, say) and prints it. Usage: {@code <pairing URL>
 * <realm> <agent token> <folder of the interface JSON files> [wait seconds]}. The SDK trusts only the
 * {@code cacerts} file of its JDK (it reads {@code $JAVA_HOME/lib/security/cacerts} itself), so run it on a JDK
 * copy whose {@code cacerts} has the broker's CA.
 */
public class AstarteSdkCheck {

    private static final String SENSOR = "b2c5a6ed-ebe4-4c5c-9d8a-6d2f114fc6e5";

    public static void main(String[] args) throws Exception {
        String pairingUrl = args[0];
        String realm = args[1];
        int wait = (args.length > 4) ? Integer.parseInt(args[4]) : 20;
        String deviceId = AstarteDeviceIdUtils.generateId(UUID.randomUUID(), "sdk-check");
        System.out.println("DEVICE " + deviceId);
        String secret = new AstartePairingService(pairingUrl, realm).registerDevice(args[2], deviceId);
        System.out.println("registered: a credentials secret of " + secret.length() + " characters");
        List<JSONObject> interfaces = new ArrayList<>();
        try (var files = Files.list(Path.of(args[3]))) {
            for (Path file : files.toList()) {
                interfaces.add(new JSONObject(Files.readString(file)));
            }
        }
        AstarteInterfaceProvider provider = new AstarteInterfaceProvider() {
            @Override
            public Collection<JSONObject> loadAllInterfaces() {
                return interfaces;
            }

            @Override
            public JSONObject loadInterface(String name) {
                return interfaces.stream()
                    .filter((i) -> i.getString("interface_name").equals(name))
                    .findFirst()
                    .orElse(null);
            }
        };
        AstarteDevice device = new AstarteGenericDevice(deviceId, realm, secret, provider, pairingUrl,
                new JdbcConnectionSource("jdbc:h2:mem:sdkcheck"));
        CountDownLatch connected = new CountDownLatch(1);
        device.setAstarteMessageListener(new AstarteMessageListener() {
            @Override
            public void onConnected() {
                System.out.println("connected");
                connected.countDown();
            }

            @Override
            public void onDisconnected(Throwable cause) {
                System.out.println("disconnected: " + cause);
            }

            @Override
            public void onFailure(Throwable cause) {
                System.out.println("failure: " + cause);
                for (Throwable c = cause.getCause(); c != null; c = c.getCause()) {
                    System.out.println("  caused by " + c);
                }
            }
        });
        List<String> received = new CopyOnWriteArrayList<>();
        CountDownLatch serverData = new CountDownLatch(1);
        Consumer<String> receive = (what) -> {
            received.add(what);
            serverData.countDown();
        };
        device.addGlobalEventListener(new AstarteGlobalEventListener() {
            @Override
            public void propertyReceived(AstartePropertyEvent e) {
                receive.accept(e.getInterfaceName() + e.getPath() + " = " + e.getValue());
            }

            @Override
            public void propertyUnset(AstartePropertyEvent e) {
                receive.accept(e.getInterfaceName() + e.getPath() + " unset");
            }

            @Override
            public void valueReceived(AstarteDatastreamEvent e) {
                receive.accept(e.getInterfaceName() + e.getPath() + " = " + e.getValue());
            }

            @Override
            public void valueReceived(AstarteAggregateDatastreamEvent e) {
                receive.accept(e.getInterfaceName() + e.getPath() + " = " + e.getValues());
            }
        });
        device.connect();
        System.out.println("connected: " + connected.await(30, TimeUnit.SECONDS));
        AstarteDevicePropertyInterface sensors = (AstarteDevicePropertyInterface) device
            .getInterface("org.astarte-platform.genericsensors.AvailableSensors");
        sensors.setProperty("/" + SENSOR + "/name", "randomThermometer");
        sensors.setProperty("/" + SENSOR + "/unit", "°C");
        AstarteDeviceDatastreamInterface values = (AstarteDeviceDatastreamInterface) device
            .getInterface("org.astarte-platform.genericsensors.Values");
        for (int i = 0; i < 3; i++) {
            values.streamData("/" + SENSOR + "/value", 20.5 + i, DateTime.now());
        }
        System.out.println("sent; listening up to " + wait + " s for the server");
        serverData.await(wait, TimeUnit.SECONDS);
        System.out.println("received from the server: " + received);
        device.disconnect();
        System.exit(0);
    }
}

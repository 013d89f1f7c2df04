package dev.iotspring.spotflow;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.core.autoconfigure.IotStorageProperties.SynchronousMode;
import dev.iotspring.core.store.IotStores;
import dev.iotspring.core.store.JdbcKeyValueStore;
import dev.iotspring.test.spotflow.SpotflowEmulator;
import dev.iotspring.test.spotflow.SpotflowEndpoint;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/** The provisioner stopped (the application stopping) while a step of it still runs. */
@ExtendWith(OutputCaptureExtension.class)
class SpotflowProvisionerStopTests {

    @Test
    void aStoreClosedUnderAStoppedProvisionerIsNoFailure(CapturedOutput output) throws Exception {
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch failed = new CountDownLatch(1);
        SpotflowProvisioner provisioner = SpotflowProvisioner.create(WebClient::create, Duration.ofSeconds(5),
                JsonMapper.builder().build(), () -> {
                    reading.countDown();
                    await(stopped);
                    failed.countDown();
                    throw new IllegalStateException("Store spotflow is closed");
                }, "token", "device-1", (operation) -> {
                }, SpotflowProvisioner.Timings.DEFAULT);
        provisioner.start();
        assertThat(reading.await(30, TimeUnit.SECONDS)).isTrue();
        provisioner.stop();
        stopped.countDown();
        assertThat(failed.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(provisioner.state()).isEqualTo(SpotflowProvisioningState.STOPPED);
        assertThat(output.getAll()).doesNotContain("provisioning stopped: cannot read its store");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aStepEndedByTheStopIsNoFailure(@TempDir Path storage, CapturedOutput output) throws Exception {
        CountDownLatch saving = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        try (SpotflowEmulator emulator = SpotflowEmulator.builder().autoApprove(true).start();
                IotStores stores = new IotStores(storage, SynchronousMode.NORMAL, Duration.ofSeconds(5))) {
            JdbcKeyValueStore table = stores.open("spotflow").keyValueStore("credentials");
            SpotflowProvisioner provisioner = SpotflowProvisioner.create(() -> WebClient.create(emulator.url()),
                    Duration.ofSeconds(5), JsonMapper.builder().build(), () -> {
                        if (!emulator.requests(SpotflowEndpoint.REGISTER).isEmpty()) {
                            // Registered: the step now saves the credentials, as the application stops.
                            saving.countDown();
                            await(stopped);
                            throw new IllegalStateException("Store spotflow is closed");
                        }
                        return table;
                    }, emulator.provisioningToken(), "device-1", (operation) -> {
                    }, new SpotflowProvisioner.Timings(Duration.ofMillis(50), Duration.ofMillis(50),
                            Duration.ofSeconds(30)));
            provisioner.start();
            assertThat(saving.await(30, TimeUnit.SECONDS)).isTrue();
            provisioner.stop();
            stopped.countDown();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Thread.getAllStackTraces()
                .keySet().stream().noneMatch((t) -> t.getName().equals("spotflow-provisioning")));
            assertThat(provisioner.state()).isEqualTo(SpotflowProvisioningState.STOPPED);
            assertThat(output.getAll()).doesNotContain("provisioning step failed");
        }
    }
}

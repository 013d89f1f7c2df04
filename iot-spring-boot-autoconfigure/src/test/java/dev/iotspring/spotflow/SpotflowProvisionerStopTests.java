package dev.iotspring.spotflow;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import dev.iotspring.core.store.JdbcKeyValueStore;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/** The provisioner stopped (the application stopping) while its store was still opening. */
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
}

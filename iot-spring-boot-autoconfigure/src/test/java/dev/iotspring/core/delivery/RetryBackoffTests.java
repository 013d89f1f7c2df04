package dev.iotspring.core.delivery;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RetryBackoffTests {

    @Test
    void growsByTheMultiplierUpToTheCap() {
        RetryBackoff backoff = new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0.0);
        assertThat(List.of(1, 2, 3, 4, 5, 6, 7, 50).stream().map(a -> backoff.delay(a).toMillis()))
            .containsExactly(1000L, 2000L, 4000L, 8000L, 16000L, 30000L, 30000L, 30000L);
    }

    @Test
    void jitterMovesTheDelayBothWaysButNeverAboveTheCap() {
        RetryBackoff backoff = new RetryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(10), 2.0, 0.5);
        assertThat(backoff.delay(1, () -> 0.0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.delay(1, () -> 0.5)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.delay(1, () -> 0.75)).isEqualTo(Duration.ofMillis(2500));
        assertThat(backoff.delay(11, () -> 0.999_999)).isEqualTo(Duration.ofSeconds(10));
        for (int i = 0; i < 1000; i++) {
            assertThat(backoff.delay(2)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(6));
            assertThat(backoff.delay(4)).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));
        }
    }

    @Test
    void aZeroInitialDelayRetriesAtOnce() {
        RetryBackoff backoff = new RetryBackoff(Duration.ZERO, Duration.ofSeconds(1), 2.0, 0.2);
        assertThat(backoff.delay(1)).isZero();
        assertThat(backoff.delay(30)).isZero();
    }

    @Test
    void rejectsNonsense() {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new RetryBackoff(Duration.ofMillis(-1), Duration.ofSeconds(1), 2, 0))
            .withMessageContaining("initial delay must not be negative");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new RetryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0))
            .withMessageContaining("below the initial delay");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5, 0))
            .withMessageContaining("multiplier must be at least 1");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 1.5))
            .withMessageContaining("jitter must be between 0 and 1");
    }
}

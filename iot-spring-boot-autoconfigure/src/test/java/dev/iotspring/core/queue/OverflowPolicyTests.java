package dev.iotspring.core.queue;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

class OverflowPolicyTests {

    @Test
    void fullOnlyWhenBoundedAndTheBoundIsReached() {
        OverflowPolicy bounded = new OverflowPolicy(2, OverflowStrategy.DROP_OLDEST);
        assertThat(bounded.isFull(1)).isFalse();
        assertThat(bounded.isFull(2)).isTrue();
        assertThat(bounded.isFull(3)).isTrue();
        assertThat(new OverflowPolicy(0, OverflowStrategy.RAISE_EXCEPTION).isFull(Integer.MAX_VALUE)).isFalse();
    }

    @Test
    void refusesABoundOutOfRangeOrNoStrategy() {
        assertThatIllegalArgumentException().isThrownBy(() -> new OverflowPolicy(-1, OverflowStrategy.DROP_NEWEST))
            .withMessage("maxSize must be between 0 (unbounded) and 10000000 but was -1");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new OverflowPolicy(OverflowPolicy.MAX_SIZE_LIMIT + 1, OverflowStrategy.DROP_NEWEST));
        assertThat(new OverflowPolicy(OverflowPolicy.MAX_SIZE_LIMIT, OverflowStrategy.DROP_NEWEST).maxSize())
            .isEqualTo(10_000_000);
        assertThatNullPointerException().isThrownBy(() -> new OverflowPolicy(1, null)).withMessage("overflow");
    }
}

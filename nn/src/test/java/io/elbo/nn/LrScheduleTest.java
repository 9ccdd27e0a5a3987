package io.elbo.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The edges of the schedules (their values are PyTorch's in {@link OptimizerTrajectoryTest}): each refuses
 * exactly the arguments outside its documented range, and {@code then} switches at the given epoch, counting
 * the next schedule from 0.
 */
class LrScheduleTest {
    @Test
    void eachScheduleRefusesExactlyTheArgumentsOutsideItsDocumentedRange() {
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.step(0, 0.5));
        assertEquals(0.5, LrSchedule.step(1, 0.5).lr(1, 1), "a step size of 1 is allowed");
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(0, 0));
        assertEquals(0.0, LrSchedule.cosine(1, 0).lr(1, 1), 1e-15, "T_max = 1 is allowed");
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.linear(0, 1, 3), "start factor 0");
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.linear(1.5, 1, 3), "start factor above 1");
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.linear(0.5, -0.1, 3), "negative end factor");
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.linear(0.5, 1.1, 3), "end factor above 1");
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.linear(0.5, 1, 0), "no iterations");
        assertEquals(2.0, LrSchedule.linear(1, 1, 1).lr(2, 0), "start factor 1 is allowed");
        assertEquals(0.0, LrSchedule.linear(0.5, 0, 1).lr(2, 1), "end factor 0 is allowed");
    }

    @Test
    void thenSwitchesAtTheGivenEpochAndCountsTheNextScheduleFromZero() {
        LrSchedule s = LrSchedule.exponential(0.5).then(3, LrSchedule.linear(0.2, 1.0, 4));
        assertEquals(1.0, s.lr(1, 0));
        assertEquals(0.25, s.lr(1, 2), "the first schedule up to epoch 2");
        assertEquals(0.2, s.lr(1, 3), 1e-15, "epoch 3 is the next schedule's epoch 0");
        assertEquals(0.4, s.lr(1, 4), 1e-15, "and epoch 4 its epoch 1");
        assertEquals(1.0, s.lr(1, 9), 1e-15);
    }

    @Test
    void aSchedulerSetToAnEpochGivesTheOptimiserThatEpochsRate() {
        Optimizer sgd = new SGD(java.util.List.of(new Parameter(io.elbo.autodiff.Tensor.of(1.0))), 0.8);
        Scheduler s = new Scheduler(sgd, LrSchedule.step(1, 0.5));
        assertEquals(0.8, sgd.lr(), "epoch 0's rate on construction");
        s.setEpoch(3);
        assertEquals(3, s.epoch());
        assertEquals(0.1, sgd.lr(), 1e-15, "0.8·0.5³ at epoch 3, from the base rate");
        s.step();
        assertEquals(0.05, sgd.lr(), 1e-15);
    }
}

package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RunningMeanTest {
    @Test
    void theStandardErrorStaysAccurateWhenTheSpreadIsTinyNextToTheMean() {
        // Values 0.4647 + {−1, +1}·1e-11: the textbook Σx²/n − x̄² gives 0 (or a negative) here.
        RunningMean m = new RunningMean();
        for (int i = 0; i < 400; i++) m.add(0.4647080265847001 + (i % 2 == 0 ? -1e-11 : 1e-11));
        assertEquals(0.4647080265847001, m.mean(), 1e-16);
        assertEquals(1e-22 * 400 / 399, m.variance(), 1e-26);
        assertEquals(Math.sqrt(1e-22 / 399), m.standardError(), 1e-15);
    }
}

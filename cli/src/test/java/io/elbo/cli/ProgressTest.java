package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The progress line: a rate that always says something, and at most its width of columns. */
class ProgressTest {
    @Test
    void aRateBelowOnePerSecondIsShownAsSecondsPerUnitNeverZero() {
        assertEquals("5788 img/s", Progress.Renderer.speed(5788.4, "img"));
        assertEquals("2.4 steps/s", Progress.Renderer.speed(2.4, "steps"));
        assertEquals("3.1 s/step", Progress.Renderer.speed(1 / 3.1, "steps"));
        // 3 of 40 Spark steps in 10 s: 0.3 steps/s, which "%.0f" printed as "0 steps/s"
        String line = Progress.Renderer.line("epoch 1/2", 3, 40, 3, 10_000_000_000L, Progress.WIDTH, "steps");
        assertTrue(line.contains("3.3 s/step") && !line.contains(" 0 steps/s"), line);
        assertTrue(line.length() <= Progress.WIDTH, line);
    }
}

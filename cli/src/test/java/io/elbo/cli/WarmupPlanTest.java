package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The warm-up sized to the work it precedes ({@link Warmup.Plan}): full, light or none, by the work's size alone. */
class WarmupPlanTest {
    @Test
    void trainingOfAtLeastTheC2ThresholdGetsTheFullWarmUp() {
        Warmup.Plan p = Warmup.Plan.forTraining(4690, 660);
        assertEquals(660, p.calls());
        assertTrue(p.untilCompiled());
        assertNull(p.why());
        assertEquals(660, Warmup.Plan.forTraining(660, 660).calls());
    }

    @Test
    void aShorterRunGetsTheLightWarmUpWithoutWaitingForTheJit() {
        Warmup.Plan p = Warmup.Plan.forTraining(160, 660); // vae train --data sample: 16 batches × 10 epochs
        assertEquals(Warmup.Plan.LIGHT, p.calls());
        assertFalse(p.untilCompiled());
        assertEquals("160 steps to run, fewer than the 660 calls after which C2 compiles a method: only the long loops compiled first", p.why());
        assertEquals(Warmup.Plan.LIGHT, Warmup.Plan.forTraining(659, 660).calls());
    }

    @Test
    void aResumeOfAFewBatchesAndASmallEvaluationAreNotWarmedUp() {
        Warmup.Plan resume = Warmup.Plan.forTraining(39, 660);
        assertEquals(0, resume.calls());
        assertEquals("39 steps to run, too few to pay for it", resume.why());
        Warmup.Plan eval = Warmup.Plan.forEvaluation(501, 660); // vae eval RUN -k 1 -n 1 on the 500 images of --data sample
        assertEquals(0, eval.calls());
        assertTrue(eval.why().startsWith("501 rows to evaluate, too few to pay for it"), eval.why());
        Warmup.Plan light = Warmup.Plan.forEvaluation(10_001, 660); // the same on Fashion-MNIST's 10 000
        assertEquals(Warmup.Plan.LIGHT, light.calls());
        assertFalse(light.untilCompiled());
        assertEquals(660, Warmup.Plan.forEvaluation(1_010_000, 660).calls()); // -k 1000 -n 1000
    }

    @Test
    void aSkippedWarmUpSaysWhyOnItsLine() {
        Warmup.Report r = new Warmup.Report(0, 0, -1, "39 steps to run, too few to pay for it");
        assertEquals("0.0 s (skipped: 39 steps to run, too few to pay for it)", r.line("steps", "the kernels compiled before epoch 3"));
        Warmup.Report full = new Warmup.Report(2.34, 660, 2, null);
        assertEquals("2.3 s (660 steps, 33 of them full-size, then 2 until the JIT had nothing left to compile: the kernels compiled before epoch 1)",
                full.line("steps", "the kernels compiled before epoch 1"));
    }
}

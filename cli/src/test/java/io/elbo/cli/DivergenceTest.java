package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that diverges where no training step sees it (in the warm-up's evaluations, or on the test set
 * after an epoch's only step, where the encoder's mean overflows) still ends in the usual line:
 * "training diverged at epoch E, batch B (step S)", the op where the first non-finite value appeared,
 * and what to try; never the distribution's own refusal ("loc must be finite").
 */
class DivergenceTest {
    @TempDir
    Path tmp;

    @Test
    void aDivergenceInTheWarmUpOrTheEpochsEvaluationEndsInTheUsualLineNamingTheOp() {
        Path run = tmp.resolve("run");
        CliTest.Result r = CliTest.vae("train", "--data", "sample", "--likelihood", "gaussian", "--optimizer", "sgd", "--lr", "1e36",
                "--limit", "64", "-b", "64", "-e", "1", "--hidden", "8", "--latent", "2", "--threads", "1", "-o", run.toString());
        r.assertOneLineError(1, "training diverged at epoch 1, batch 1 (step 1)", "op '", "Try a smaller --lr");
        assertFalse(Files.exists(run.resolve(Runs.CHECKPOINT)), "no checkpoint of a diverged model");
    }
}

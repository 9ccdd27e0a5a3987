package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.InPlace;
import io.elbo.vae.data.Dataset;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

/**
 * A diverged model refused by a distribution while it is evaluated (no gradient, nothing recorded) is a
 * {@link VAE.DivergedException} naming the op where the first non-finite value appeared, as a training
 * step's is (the encoder's mean or log-variance overflowing, which Normal refuses).
 */
class EvaluationDivergenceTest {
    static VAE model(String likelihood) {
        return new VAE(new VAE.Config(6, new int[] {5}, 2, "tanh", likelihood, 0.5, DType.FLOAT64), RandomSource.XO_RO_SHI_RO_128_PP.create(1));
    }

    static Dataset data() {
        float[] px = new float[8 * 6];
        for (int i = 0; i < px.length; i++) px[i] = (i % 7) / 7f;
        return new Dataset(px, null, 8, 2, 3);
    }

    @Test
    void anOverflowingEncoderInAnEvaluationIsADivergenceNamingTheOp() {
        for (String parameter : new String[] {"mu.weight", "logvar.weight"}) {
            VAE v = model("gaussian-pixel");
            Tensor w = v.namedParameters().get(parameter).value();
            double[] values = new double[w.numel()];
            java.util.Arrays.fill(values, Double.MAX_VALUE);
            InPlace.set(w, values);
            VAE.DivergedException e = assertThrows(VAE.DivergedException.class,
                    () -> v.meanElbo(data(), RandomSource.XO_RO_SHI_RO_128_PP.create(2)), parameter);
            assertTrue(e.getMessage().contains("op '"), parameter + ": " + e.getMessage());
            assertTrue(Tape.size() == 0, "the tape is left empty");
        }
    }
}

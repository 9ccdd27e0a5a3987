package io.elbo.spark;

import io.elbo.autodiff.DType;
import io.elbo.vae.VAE;
import java.io.Serializable;
import java.util.Arrays;

/**
 * What a worker needs to rebuild the model and its objective: the VAE's architecture, the objective's
 * options and the seed, as plain serializable values (the driver sends it once; parameters every step).
 */
public record ModelSpec(int inputDim, int[] hidden, int latent, String activation, String likelihood, double sigma, String dtype,
                        int samples, double beta, int klWarmupSteps, int iwaeK, long seed) implements Serializable {
    /** The spec of a model and objective. */
    public static ModelSpec of(VAE.Config c, VAE.ElboOptions o, long seed) {
        return new ModelSpec(c.inputDim(), c.hidden().clone(), c.latent(), c.activation(), c.likelihood().name(), c.fixedSigma(),
                c.dtype().name(), o.samples(), o.beta(), o.klWarmupSteps(), o.iwaeK(), seed);
    }

    public VAE.Config config() {
        return new VAE.Config(inputDim, hidden, latent, activation, VAE.Likelihood.valueOf(likelihood), sigma, DType.valueOf(dtype));
    }

    public VAE.ElboOptions options() {
        return new VAE.ElboOptions(samples, beta, true, klWarmupSteps, iwaeK);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec m && m.inputDim == inputDim && Arrays.equals(m.hidden, hidden) && m.latent == latent
                && m.activation.equals(activation) && m.likelihood.equals(likelihood) && m.sigma == sigma && m.dtype.equals(dtype)
                && m.samples == samples && m.beta == beta && m.klWarmupSteps == klWarmupSteps && m.iwaeK == iwaeK && m.seed == seed;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hidden) * 31 + java.util.Objects.hash(inputDim, latent, activation, likelihood, sigma, dtype, samples, beta,
                klWarmupSteps, iwaeK, seed);
    }
}

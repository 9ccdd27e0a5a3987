package io.elbo.vae;

import io.elbo.autodiff.Tensor;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * The approximate posterior q(z|x) of one batch of B data, as the encoder built it: one part of a
 * {@link VAE}, chosen by its name in {@link Parts} (the encoder's heads belong to the part: see
 * {@link PosteriorHead}). A sample comes with its log-density: a flow's q(z_K|x) is known through the
 * base sample z₀ it was made from, not as a function of z_K alone.
 */
public interface Posterior {
    /**
     * Reparameterised samples z [L, B, K] and their log-density log q(z|x) [L, B], summed over the K
     * coordinates, computed (and recorded) when first asked for.
     */
    final class Sample {
        private final Tensor z;
        private final Supplier<Tensor> logProb;
        private Tensor logProbValue;

        /** Samples z and how to compute their log-density. */
        public Sample(Tensor z, Supplier<Tensor> logProb) {
            this.z = z;
            this.logProb = logProb;
        }

        /** The samples, [L, B, K], differentiable in the encoder. */
        public Tensor z() {
            return z;
        }

        /** log q(z|x) of these samples, [L, B]. */
        public Tensor logProb() {
            if (logProbValue == null) logProbValue = logProb.get();
            return logProbValue;
        }
    }

    /** L reparameterised samples z ~ q(z|x) with their log-density. */
    Sample rsample(UniformRandomProvider rng, int samples);

    /** The samples for given standard-normal draws ε [L, B, K] of the base distribution (common random numbers). */
    Sample rsample(Tensor eps);

    /** A representative code per datum, [B, K] (the mean for a Gaussian; the flow of the base mean): what a reconstruction decodes. */
    Tensor location();

    /**
     * KL(q(z|x) ‖ p(z)) per datum in closed form, [B], where one exists for this pair; empty otherwise
     * (the ELBO then estimates it with the samples).
     */
    Optional<Tensor> analyticKl(Prior prior);
}

package io.elbo.vae;

import io.elbo.autodiff.Tensor;
import java.util.Optional;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * The approximate posterior q(z|x) of one batch of B data, as the encoder built it: one part of a
 * {@link VAE}, chosen by its name in {@link Parts} (the encoder's heads belong to the part: see
 * {@link PosteriorHead}).
 */
public interface Posterior {
    /** L reparameterised samples z ~ q(z|x), differentiable in the encoder: [L, B, K]. */
    Tensor rsample(UniformRandomProvider rng, int samples);

    /** The samples for given standard-normal draws ε [L, B, K] (common random numbers). */
    Tensor rsample(Tensor eps);

    /** log q(z|x) of codes z [L, B, K], summed over the K coordinates: [L, B]. */
    Tensor logProb(Tensor z);

    /** A representative code per datum, [B, K] (the mean for a Gaussian): what a reconstruction decodes. */
    Tensor location();

    /**
     * KL(q(z|x) ‖ p(z)) per datum in closed form, [B], where one exists for this pair; empty otherwise
     * (the ELBO then estimates it with the samples).
     */
    Optional<Tensor> analyticKl(Prior prior);
}

package io.elbo.vae;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/** The prior p(z) of a {@link VAE}'s codes: one part of the model, chosen by its name in {@link Parts}. */
public interface Prior {
    /** log p(z) of each code, summed over its last axis: [...] from z [..., K]. */
    Tensor logProb(Tensor z);

    /** n codes z ~ p(z), [n, K], no gradient. */
    Tensor sample(UniformRandomProvider rng, int n, int latent, DType dtype);
}

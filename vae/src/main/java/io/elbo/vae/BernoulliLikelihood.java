package io.elbo.vae;

import io.elbo.autodiff.Tensor;

/**
 * p(x | ℓ) = Πⱼ Bernoulli(xⱼ; σ(ℓⱼ)) with the decoder's output read as logits ℓ: log p = −Σⱼ BCEWithLogits(ℓⱼ, xⱼ).
 * On grey pixels in [0, 1] this is the loss of PyTorch's VAE example, not a normalised density
 * (see {@link ContinuousBernoulliLikelihood} for the one that is).
 */
public final class BernoulliLikelihood extends Likelihood {
    @Override
    public Tensor logProb(Tensor x, Tensor decoded) {
        return new Bernoulli(decoded).jointLogProb(x);
    }

    /** E[x] = σ(ℓ). */
    @Override
    public Tensor mean(Tensor decoded) {
        return decoded.sigmoid();
    }
}

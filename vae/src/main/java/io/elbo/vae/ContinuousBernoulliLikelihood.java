package io.elbo.vae;

import io.elbo.autodiff.Tensor;

/**
 * p(x | ℓ) = Πⱼ CB(xⱼ; σ(ℓⱼ)), the {@link ContinuousBernoulli} with the decoder's output read as logits:
 * a normalised density on [0, 1]ᴰ, so on grey pixels the ELBO bounds a true log-density (the Bernoulli
 * loss plus Σⱼ log C(ℓⱼ)).
 */
public final class ContinuousBernoulliLikelihood extends Likelihood {
    @Override
    public Tensor logProb(Tensor x, Tensor decoded) {
        return new ContinuousBernoulli(decoded).logProb(x).sum(false, -1);
    }

    /** E[x] of the continuous Bernoulli (not σ(ℓ): its mean is pulled towards ½). */
    @Override
    public Tensor mean(Tensor decoded) {
        return new ContinuousBernoulli(decoded).mean();
    }
}
